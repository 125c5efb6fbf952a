package allen

import (
	"hash/fnv"
	"math"
)

// rng is the simulator's random number generator: splitmix64 (Steele, Lea and Flood 2014), with
// its own uniform, normal, Poisson and permutation draws, so that the same seed gives the same
// files on every Go release (math/rand's streams are not promised to stay the same).
type rng struct {
	state uint64
	// spare holds the second normal value of the last polar draw.
	spare    float64
	hasSpare bool
	// lastLambda and lastExp cache exp(-lambda) of the last Poisson mean.
	lastLambda, lastExp float64
}

func newRNG(seed uint64, labels ...string) *rng {
	h := fnv.New64a()
	for _, l := range labels {
		_, _ = h.Write([]byte(l))
		_, _ = h.Write([]byte{0})
	}
	r := &rng{state: seed ^ h.Sum64()}
	r.next()
	return r
}

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uniform returns a value in [0, 1).
func (r *rng) uniform() float64 { return float64(r.next()>>11) / (1 << 53) }

// intn returns an integer in [0, n).
func (r *rng) intn(n int) int { return int(r.uniform() * float64(n)) }

// normal returns a standard normal value (Marsaglia's polar method; the pair's second value is
// returned by the next call).
func (r *rng) normal() float64 {
	if r.hasSpare {
		r.hasSpare = false
		return r.spare
	}
	for {
		u, v := 2*r.uniform()-1, 2*r.uniform()-1
		s := u*u + v*v
		if s > 0 && s < 1 {
			f := math.Sqrt(-2 * math.Log(s) / s)
			r.spare, r.hasSpare = v*f, true
			return u * f
		}
	}
}

// lognormal returns exp(sigma * N(0,1)): a positive factor with median 1.
func (r *rng) lognormal(sigma float64) float64 { return math.Exp(sigma * r.normal()) }

// poisson returns a Poisson count of mean lambda: Knuth's multiplication method for small means,
// a rounded normal approximation above 30.
func (r *rng) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.normal())))
	}
	if lambda != r.lastLambda || r.lastExp == 0 {
		r.lastLambda, r.lastExp = lambda, math.Exp(-lambda)
	}
	l, k, p := r.lastExp, 0, r.uniform()
	for p > l {
		k++
		p *= r.uniform()
	}
	return k
}

// perm returns a random permutation of 0..n-1 (Fisher-Yates).
func (r *rng) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}
