package train

import (
	"github.com/gomlx/gomlx/ml/model"
)

// EpochMetrics are one epoch's metrics, one line of [MetricsFile]. All fields except Seconds
// and ImagesPerSecond are deterministic for a given seed.
type EpochMetrics struct {
	// Epoch is 1-based.
	Epoch int `json:"epoch"`
	// TrainLoss and TrainAccuracy are averaged over the epoch's training batches (weights
	// changing as they go, as Keras reports them).
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	// TrainImages is the number of training images seen in the epoch.
	TrainImages int `json:"train_images"`
	// ValLoss and ValAccuracy are measured on the validation set after the epoch.
	ValLoss     float64 `json:"val_loss"`
	ValAccuracy float64 `json:"val_accuracy"`
	// Improved tells whether ValAccuracy beat the best so far (strictly, as Keras'
	// EarlyStopping with min_delta 0).
	Improved bool `json:"improved"`
	// BestEpoch, BestValAccuracy and Wait are the early-stopping state after this epoch.
	BestEpoch       int     `json:"best_epoch"`
	BestValAccuracy float64 `json:"best_val_accuracy"`
	Wait            int     `json:"wait"`
	// Seconds is the epoch's wall time (training and validation) and ImagesPerSecond the
	// training throughput; both vary from run to run (and are from the last attempt of a
	// resumed epoch).
	Seconds         float64 `json:"seconds"`
	ImagesPerSecond float64 `json:"images_per_second"`
}

// Evaluation is a model's loss and accuracy on a dataset.
type Evaluation struct {
	// Loss is the mean softmax cross-entropy per image (natural log); Accuracy the share of
	// images whose highest logit is the label.
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy"`
	// Images is the number of images evaluated.
	Images int `json:"images"`
}

// Result is what [Run] returns.
type Result struct {
	// Epochs holds every epoch's metrics (including those done before a resume).
	Epochs []EpochMetrics
	// BestEpoch (1-based) and BestValAccuracy identify the weights in Store.
	BestEpoch       int
	BestValAccuracy float64
	// StoppedEarly tells whether early stopping ended the run (else MaxEpochs did).
	StoppedEarly bool
	// Resumed tells whether the run continued a checkpoint, and ResumedEpochs how many completed
	// epochs (the first ResumedEpochs of Epochs) that checkpoint held: their Seconds were spent
	// by earlier processes.
	Resumed       bool
	ResumedEpochs int
	// Store holds the model with the best weights restored (variables under [ModelScope]).
	Store *model.Store
	// Setup is what fixed the run's trajectory (as its checkpoint records it).
	Setup Setup
}

// Summary is written to [ResultFile] when a run finishes: what a results table needs without
// opening the checkpoint.
type Summary struct {
	// Setup is the run's configuration as the checkpoint records it.
	Setup Setup `json:"setup"`
	// Epochs is the number of epochs trained; BestEpoch (1-based) and BestValAccuracy identify
	// the weights kept; StoppedEarly tells whether early stopping ended the run.
	Epochs          int     `json:"epochs"`
	BestEpoch       int     `json:"best_epoch"`
	BestValAccuracy float64 `json:"best_val_accuracy"`
	StoppedEarly    bool    `json:"stopped_early"`
	// Parameters is the number of trainable model parameters (scalars in the trainable
	// variables under [ModelScope]).
	Parameters int `json:"parameters"`
	// History holds every epoch's metrics, as [MetricsFile] does.
	History []EpochMetrics `json:"history"`
	// Versions are the Go, GoMLX and compute versions of the program that finished the run
	// (mvc.Versions): the software behind its numbers. A run resumed under other versions
	// records only the last.
	Versions map[string]string `json:"versions,omitempty"`
}
