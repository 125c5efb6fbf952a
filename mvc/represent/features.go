package represent

import (
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/allen"
	"github.com/mice2machines/mice2machines/mvc/data"
)

// KernelMaps reshapes a convolution kernel into the paper's feature representations ("Artificial
// feature representations": a layer [F, C, H, W] reshaped to [F x C, H, W], each channel of each
// filter a 2-D map). kernel is stored as GoMLX stores convolution kernels, [kh, kw, in, out]
// row-major (in = C input channels, out = F filters); the result is [out*in, kh, kw] row-major,
// where map f*in + c is filter f's kernel on input channel c (PyTorch's [F, C, H, W] order
// flattened). A kernel already in PyTorch's [F, C, H, W] layout needs no reshaping.
func KernelMaps(kernel []float32, kh, kw, in, out int) ([]float32, error) {
	if kh < 1 || kw < 1 || in < 1 || out < 1 {
		return nil, errors.Errorf("represent: kernel shape [%d %d %d %d] must be positive", kh, kw, in, out)
	}
	if len(kernel) != kh*kw*in*out {
		return nil, errors.Errorf("represent: kernel holds %d values, shape [%d %d %d %d] needs %d", len(kernel), kh, kw, in, out, kh*kw*in*out)
	}
	maps := make([]float32, len(kernel))
	for y := range kh {
		for x := range kw {
			for c := range in {
				for f := range out {
					maps[((f*in+c)*kh+y)*kw+x] = kernel[((y*kw+x)*in+c)*out+f]
				}
			}
		}
	}
	return maps, nil
}

// ActivationFunc computes a layer's activations for a batch of images, [n, h, w, c] float32 in
// [0, 1] (GoMLX's layout), returning them as [n, ah, aw, ac]. A trained model's forward pass up
// to the chosen layer is one; [ConvLayer] is one for a single convolution.
type ActivationFunc func(images []float32, n, h, w, c int) (acts []float32, ah, aw, ac int, err error)

// ActivationMaps are a layer's activations to a set of stimuli, [N, Height, Width, Channels].
type ActivationMaps struct {
	N, Height, Width, Channels int
	Values                     []float32
}

// Activations feeds the stimulus images to fn in batches of at most batch images and collects
// the activations. Each image is resized to height x width by area averaging, scaled to [0, 1]
// (not centred) and, for channels = 3, replicated to three channels (the natural scenes are
// grey); channels must be 1 or 3.
func Activations(images *allen.Images, height, width, channels, batch int, fn ActivationFunc) (*ActivationMaps, error) {
	if images == nil || images.N < 1 {
		return nil, errors.New("represent: no stimulus images")
	}
	if height < 1 || width < 1 || (channels != 1 && channels != 3) || batch < 1 {
		return nil, errors.Errorf("represent: input %dx%dx%d, batch %d: want positive sizes, 1 or 3 channels", height, width, channels, batch)
	}
	p := height * width
	src := make([]float64, images.Height*images.Width)
	var out *ActivationMaps
	for start := 0; start < images.N; start += batch {
		n := min(batch, images.N-start)
		in := make([]float32, 0, n*p*channels)
		for i := start; i < start+n; i++ {
			for j, v := range images.Image(i) {
				src[j] = float64(v) / 255
			}
			r, err := data.ResizeArea(src, images.Height, images.Width, height, width)
			if err != nil {
				return nil, err
			}
			for _, v := range r {
				for range channels {
					in = append(in, float32(v))
				}
			}
		}
		acts, ah, aw, ac, err := fn(in, n, height, width, channels)
		if err != nil {
			return nil, errors.Wrapf(err, "represent: activations of images %d..%d", start, start+n-1)
		}
		if len(acts) != n*ah*aw*ac || ah < 1 || aw < 1 || ac < 1 {
			return nil, errors.Errorf("represent: activation function returned %d values for shape [%d %d %d %d]", len(acts), n, ah, aw, ac)
		}
		if out == nil {
			out = &ActivationMaps{Height: ah, Width: aw, Channels: ac, Values: make([]float32, 0, images.N*ah*aw*ac)}
		} else if ah != out.Height || aw != out.Width || ac != out.Channels {
			return nil, errors.Errorf("represent: activation shape changed from %dx%dx%d to %dx%dx%d between batches",
				out.Height, out.Width, out.Channels, ah, aw, ac)
		}
		out.Values = append(out.Values, acts...)
		out.N += n
	}
	return out, nil
}

// ChannelMaps returns channel ch of every image's activations, [N, Height, Width].
func (a *ActivationMaps) ChannelMaps(ch int) ([]float32, error) {
	if ch < 0 || ch >= a.Channels {
		return nil, errors.Errorf("represent: channel %d of %d", ch, a.Channels)
	}
	out := make([]float32, 0, a.N*a.Height*a.Width)
	for i := ch; i < len(a.Values); i += a.Channels {
		out = append(out, a.Values[i])
	}
	return out, nil
}

// ConvLayer returns the [ActivationFunc] of one convolution layer with a GoMLX-layout kernel
// [kh, kw, in, out], stride 1, zero "same" padding as GoMLX and PyTorch pad ((k-1)/2 before,
// the rest after), plus bias (nil for none), then ReLU when relu is set. It is a plain loop, for
// first layers and tests; deeper layers come from a model's own forward pass.
func ConvLayer(kernel []float32, kh, kw, in, out int, bias []float32, relu bool) (ActivationFunc, error) {
	if _, err := KernelMaps(kernel, kh, kw, in, out); err != nil {
		return nil, err
	}
	if bias != nil && len(bias) != out {
		return nil, errors.Errorf("represent: %d biases for %d filters", len(bias), out)
	}
	return func(images []float32, n, h, w, c int) ([]float32, int, int, int, error) {
		if c != in || len(images) != n*h*w*c {
			return nil, 0, 0, 0, errors.Errorf("convolution of %d input channels given [%d %d %d %d] (%d values)", in, n, h, w, c, len(images))
		}
		py, px := (kh-1)/2, (kw-1)/2
		acts := make([]float32, n*h*w*out)
		for b := range n {
			img := images[b*h*w*c:]
			for y := range h {
				for x := range w {
					o := acts[((b*h+y)*w+x)*out : ((b*h+y)*w+x+1)*out]
					for dy := range kh {
						sy := y + dy - py
						if sy < 0 || sy >= h {
							continue
						}
						for dx := range kw {
							sx := x + dx - px
							if sx < 0 || sx >= w {
								continue
							}
							pix := img[(sy*w+sx)*c : (sy*w+sx+1)*c]
							k := kernel[(dy*kw+dx)*in*out:]
							for ci, v := range pix {
								kr := k[ci*out : (ci+1)*out]
								for f := range o {
									o[f] += v * kr[f]
								}
							}
						}
					}
					for f := range o {
						if bias != nil {
							o[f] += bias[f]
						}
						if relu && o[f] < 0 {
							o[f] = 0
						}
					}
				}
			}
		}
		return acts, h, w, out, nil
	}, nil
}
