// Package supervise keeps long training runs going unattended: a [Supervisor] runs training in
// a child process and restarts it from its last checkpoint when it dies or stalls. The domain
// generalization sweep of "Mice to Machines: Neural Representations from Visual Cortex for
// Domain Generalization" (Qazi, Jalil, Iqbal), Table 1, trains hundreds of runs one after the
// other, and GoMLX's pure-Go backend can deadlock inside a step; a goroutine stuck there cannot
// be stopped, so recovery needs a fresh process, which resumes the run bit for bit
// (train.Config.Resume).
//
// The two sides:
//
//   - The supervisor builds the child's command for each attempt (attempts after the first must
//     resume) and calls [Supervisor.Run]. It reads the child's heartbeats and kills a child whose
//     step runs past the watchdog's limit (the same rule as the child's, [train.Watchdog]) plus
//     a grace period.
//   - The child calls [WatchSupervisor] first, trains with train.Config.Heartbeat set to
//     [HeartbeatFromEnv] and a train.Config.Watchdog, and exits with [ExitCode] of its error,
//     which tells the supervisor whether a restart can help ([ExitStalled], 1) or not
//     ([ExitUsage], [ExitPermanent]).
//
// The child lives and dies with its supervisor: on Linux the kernel kills it when the supervisor
// dies, however it dies; elsewhere [WatchSupervisor] polls. A run directory's lock
// (train.DirLock.Pass) can be handed to the child so that no other process trains into the
// directory between attempts.
package supervise
