// Package train fine-tunes image classifiers on GoMLX the way "Mice to Machines: Neural
// Representations from Visual Cortex for Domain Generalization" (Qazi, Jalil, Iqbal) trains the
// models of its Table 1 and Figure 2B (section "Training"): Adam with learning rate 0.001,
// batches of 256, softmax cross-entropy, early stopping on validation accuracy with patience 5
// that restores the best weights. It sits after package data and beside package zoo in the
// project's data flow (data -> zoo/train -> represent -> embed -> compare -> plots).
//
// [Run] trains a [ModelFn] (images [batch, H, W, C] in [0, 1] to logits) on data.Dataset values,
// with seeded shuffling, per-epoch metrics appended to a JSON-lines log ([MetricsFile]), a
// progress bar with throughput and ETA, and an atomic checkpoint ([CheckpointFile]) after every
// epoch holding the weights, the optimizer's state, the graph's random state, the epoch and
// step, the best weights so far and early stopping's counter. Config.Resume continues a killed
// run: killing the process at any moment loses at most the epoch in flight (or the last
// Config.CheckpointEvery of it), and the resumed run ends with the same weights and metrics, bit
// for bit, as an uninterrupted one with the same seed. [Evaluate] and [EvaluateCheckpoint]
// measure a model's loss and accuracy.
//
// GoMLX has no built-in early stopping, so [Run] runs its own epoch loop over a compiled
// training step and an evaluation step. Models with batch normalization must build it with
// UseBackendInference(false) to train on the pure-Go backend.
//
// Batch normalization statistics: before every validation, [Run] recomputes the moving averages
// of the model's batch normalization layers (those with an nn.BatchNormCountName variable, as
// package zoo builds them) from Config.BNStatsBatches training batches under the current weights
// (precise BN: Wu and Johnson, 2021). Keras' momentum 0.99 leaves the averages of a run of a few
// dozen steps mostly at their initial (0, 1), and such a model validates at chance however well
// it trains. Models without batch normalization are untouched.
//
// Stalls: GoMLX's pure-Go backend can deadlock inside a step. A [Watchdog] on step time (a step
// stalls past max(30 s, 20 x the median step)) makes [Run] return [ErrStalled]; since a
// goroutine stuck in the backend cannot be stopped, package supervise runs training in a child
// process and restarts it from its last checkpoint, applying the same rule ([StepClock]) to the
// heartbeats that [Run] writes to Config.Heartbeat.
//
// Run directories: a directory is locked while [Run] trains into it ([LockDir]: another process
// gets a [*BusyError] naming the holder, or waits; a child process handed the lock with
// [DirLock.Pass] shares it), and temporary files of writes that were killed are removed when the
// lock is taken.
//
// Package backbone provides ModelFn values for ImageNet-trained ONNX models.
package train
