package kernel

import (
	"fmt"
	"html"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"github.com/janpfeifer/gonb/gonbui/widgets"
	"github.com/pkg/errors"

	"github.com/mice2machines/mice2machines/mvc/plots"
)

// SliderTimes bounds [SliderFigure]: how long it waits for a front end to answer the slider
// (without one, as in a headless run, the figure stays as first drawn), and how long the slider
// then stays live before the cell ends.
var SliderTimes = struct{ Wait, Live time.Duration }{Wait: 3 * time.Second, Live: 5 * time.Minute}

// SliderFigure shows a figure that depends on an integer, with a slider (GoNB's widgets) to change
// it: draw(value) is shown at once, then redrawn in place each time the slider moves, for
// SliderTimes.Live or until the cell is interrupted. Headless (no front end answers the slider
// within SliderTimes.Wait, as when nbconvert executes the notebook) the first figure stays and the
// cell ends, so notebooks with sliders run in CI. Outside a notebook it shows draw(value) as
// [ShowFigure] does. The figure's caption is shown once, from the first drawing.
func SliderFigure(label string, lo, hi, value int, name string, draw func(int) (*plots.Figure, error)) error {
	if lo > hi || value < lo || value > hi {
		return errors.Errorf("kernel: slider %s: value %d outside [%d, %d]", label, value, lo, hi)
	}
	fig, err := draw(value)
	if err != nil {
		return err
	}
	if !InNotebook() {
		return ShowFigure(fig, name)
	}
	holder := "mvc-slider-" + gonbui.UniqueId()
	display(map[protocol.MIMEType]any{
		protocol.MIMETextHTML: fmt.Sprintf(`<div class="%s" style="font-family:monospace">%s: <span id="%s"></span></div>`,
			NoMathClass, html.EscapeString(label), holder),
		protocol.MIMETextPlain: fmt.Sprintf("%s = %d (a slider from %d to %d in a live notebook)", label, value, lo, hi),
	})
	figID := "mvc-slider-figure-" + gonbui.UniqueId()
	show := func(fig *plots.Figure) error {
		png, err := fig.Render("png")
		if err != nil {
			return errors.Wrapf(err, "kernel: rendering %s", name)
		}
		gonbui.SendData(&protocol.DisplayData{DisplayID: figID, Data: map[protocol.MIMEType]any{
			protocol.MIMEImagePNG: png, protocol.MIMETextPlain: figureText(fig, name)}})
		return flush()
	}
	if err := show(fig); err != nil {
		return err
	}
	showCaption(fig.Caption)
	if err := flush(); err != nil {
		return err
	}
	slider := widgets.Slider(lo, hi, value).AppendTo(holder)
	ready := make(chan struct{})
	go func() {
		slider.Done() // returns once the front end has answered
		close(ready)
	}()
	select {
	case <-ready:
	case <-time.After(SliderTimes.Wait):
		return nil // headless: no front end runs the slider
	}
	updates := slider.Listen()
	defer updates.Close()
	end := time.After(SliderTimes.Live)
	for {
		select {
		case v, ok := <-updates.C:
			if !ok {
				return nil
			}
			// Draw only the latest position when several arrived meanwhile.
			for more := true; more; {
				select {
				case w, ok := <-updates.C:
					if !ok {
						return nil
					}
					v = w
				default:
					more = false
				}
			}
			fig, err := draw(v)
			if err != nil {
				return err
			}
			if err := show(fig); err != nil {
				return err
			}
		case <-end:
			return nil
		}
	}
}
