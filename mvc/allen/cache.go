package allen

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/mice2machines/mice2machines/mvc"
)

// CacheEnvVar names the folder where simulated surveys are kept between runs: [mvc.CacheEnvVar].
const CacheEnvVar = mvc.CacheEnvVar

// CacheDir returns the project's cache folder ([mvc.CacheDir]: $MVC_CACHE, else the user cache
// folder's mice2machines), else a folder in the temporary directory (surveys can be simulated
// again).
func CacheDir() string {
	if d, err := mvc.CacheDir(); err == nil {
		return d
	}
	return filepath.Join(os.TempDir(), "mice2machines-cache")
}

// cacheVersion is part of the cache key; v2 added the stimulus digest to survey.json.
const cacheVersion = "v2\n"

// CachedSurvey simulates, or finds already simulated, the survey of opts in
// CacheDir()/allen/survey-<hash of the options and of the images used>, so that the Allen
// figures, the comparisons and the notebooks share one simulated cortex. Simulation is
// deterministic and resumable (see [SimulateSurvey]); progress may be nil.
func CachedSurvey(opts SimOptions, progress func(done, total int, file string)) (*Survey, error) {
	// "auto" images depend on what $MVC_DATA holds: key the cache on the images used.
	keyed := opts
	keyed.Stimulus = opts.ResolvedStimulus()
	key, _ := json.Marshal(keyed)
	// cacheVersion changes when the survey's files change meaning, so old folders are not reused.
	sum := sha256.Sum256(append([]byte(cacheVersion), key...))
	dir := filepath.Join(CacheDir(), "allen", "survey-"+hex.EncodeToString(sum[:6]))
	return SimulateSurvey(dir, opts, progress)
}
