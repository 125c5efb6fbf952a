// Package claim lets any number of processes, on one machine or on several machines sharing a
// filesystem, divide a list of jobs so that each job is done once: a process claims a job by
// creating a claim file atomically, keeps it by renewing a lease, and gives it up by removing
// the file. A claim whose owner stopped renewing it (the process was killed, its machine
// crashed) can be taken over once its lease has expired, or at once when its owner ran on this
// machine and its process is gone.
//
// [Acquire] claims one job by name in a directory; the [Claim] it returns renews itself in the
// background until [Claim.Release]. [Workers] runs a list of jobs with claims: jobs claimed by
// other processes are skipped and come back at the end, so that when every worker has returned,
// every job is done.
//
// Claim files are created with a hard link (or O_CREATE|O_EXCL where links are not supported),
// both atomic on local filesystems and over NFS, so kernel locks (flock), which are local to a
// machine on many network filesystems, are not relied on. A claim file holds its owner's host
// name, process ID, a random token and the lease's expiry time as JSON. Expiry is judged by the
// reader's clock: machines that share a store need clocks that agree to well within a lease.
//
// What a claim guarantees: while its owner renews it, no other process acquires it. An owner
// that could not renew in time (a process paused for longer than the lease) may find its claim
// taken over; it learns so at its next renewal ([Claim.Lost]) and must stop. Jobs that are
// deterministic and resumable (as training runs from a checkpoint are) end with the same result
// either way.
package claim
