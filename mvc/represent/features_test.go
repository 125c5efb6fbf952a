package represent

import (
	"math"
	"testing"

	"github.com/mice2machines/mice2machines/mvc/allen"
)

func TestKernelMaps(t *testing.T) {
	const kh, kw, in, out = 2, 3, 4, 5
	k := make([]float32, kh*kw*in*out)
	// Encode the indices in the value: y x c f as digits.
	for y := range kh {
		for x := range kw {
			for c := range in {
				for f := range out {
					k[((y*kw+x)*in+c)*out+f] = float32(1000*y + 100*x + 10*c + f)
				}
			}
		}
	}
	maps, err := KernelMaps(k, kh, kw, in, out)
	if err != nil {
		t.Fatal(err)
	}
	for f := range out {
		for c := range in {
			for y := range kh {
				for x := range kw {
					if got, want := maps[((f*in+c)*kh+y)*kw+x], float32(1000*y+100*x+10*c+f); got != want {
						t.Fatalf("map (f %d, c %d) at (%d, %d) = %v, want %v", f, c, y, x, got, want)
					}
				}
			}
		}
	}
	if _, err := KernelMaps(k[1:], kh, kw, in, out); err == nil {
		t.Error("no error for a wrong length")
	}
}

func TestConvLayerAndActivations(t *testing.T) {
	opts := allen.DefaultSimOptions()
	opts.Images, opts.Height, opts.Width, opts.Stimulus = 5, 9, 11, allen.StimulusPink
	stim, err := allen.MakeStimuli(opts)
	if err != nil {
		t.Fatal(err)
	}
	// A 1x1 identity on 3 channels gives back the (resized, replicated) images.
	id := []float32{1, 0, 0, 0, 1, 0, 0, 0, 1}
	conv, err := ConvLayer(id, 1, 1, 3, 3, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	acts, err := Activations(stim.Images, 6, 7, 3, 2, conv)
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := FlattenStimuli(stim.Images, 6, 7)
	if acts.N != 5 || acts.Height != 6 || acts.Width != 7 || acts.Channels != 3 {
		t.Fatalf("activations %dx%dx%dx%d", acts.N, acts.Height, acts.Width, acts.Channels)
	}
	ch1, _ := acts.ChannelMaps(1)
	for i := range 5 * 42 {
		if want := fs.FS[i] + fs.Mean[i%42]; math.Abs(float64(ch1[i])-want) > 1e-6 {
			t.Fatalf("activation %d = %v, want the image value %v", i, ch1[i], want)
		}
	}
	// A 3x3 kernel on one channel, with bias and ReLU, against the definition (zero padding 1).
	k := []float32{0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8, 0.9, 1, 0, -1, 0, 2, 0, -1, 0, 1} // [3 3 1 2]
	conv, _ = ConvLayer(k, 3, 3, 1, 2, []float32{0.05, -0.1}, true)
	img := make([]float32, 4*5)
	for i := range img {
		img[i] = float32(i%7) / 7
	}
	got, ah, aw, ac, err := conv(img, 1, 4, 5, 1)
	if err != nil || ah != 4 || aw != 5 || ac != 2 {
		t.Fatalf("conv: %v, shape %dx%dx%d", err, ah, aw, ac)
	}
	bias := []float32{0.05, -0.1}
	for y := range 4 {
		for x := range 5 {
			for f := range 2 {
				s := bias[f]
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						if y+dy >= 0 && y+dy < 4 && x+dx >= 0 && x+dx < 5 {
							s += img[(y+dy)*5+x+dx] * k[((dy+1)*3+dx+1)*2+f]
						}
					}
				}
				s = max(s, 0)
				if d := got[(y*5+x)*2+f] - s; d > 1e-6 || d < -1e-6 {
					t.Fatalf("conv at (%d, %d) filter %d = %v, want %v", y, x, f, got[(y*5+x)*2+f], s)
				}
			}
		}
	}
	if _, err := Activations(stim.Images, 6, 7, 2, 1, conv); err == nil {
		t.Error("no error for 2 channels")
	}
}
