#ifndef LAYERKIT_CSANDBOX_H
#define LAYERKIT_CSANDBOX_H

/* Process spawning for the grader's sandbox (Sources/Grading/Sandbox, Notes/sandbox.md).
   POSIX C, because the steps between fork and exec (a new session, the descriptors, the
   resource limits, dropping to the learner's uid) must happen in the child before the
   program's first instruction, with async-signal-safe calls only, which Swift cannot promise.

   Every child has a keeper: a process forked from the grader that forks the child, reports
   its start and its end on a status pipe, and, when the grader closes the control pipe (or
   dies), kills everything the child started and reaps it before it exits. On Linux the
   keeper is a child subreaper, so orphans (`cmd &`, `setsid cmd`) become its children and
   are killed and reaped there, never left as zombies on the machine's init. */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Resource limits set in the child before exec; a limit whose has_ flag is 0 is inherited.
   No limit is ever raised above the hard limit the grader itself has. RLIMIT_CORE is always
   0. The CPU limit's hard value is one second above the soft one, so SIGXCPU comes first. */
typedef struct {
    int has_address_space, has_cpu_seconds, has_processes, has_file_size, has_open_files;
    uint64_t address_space, cpu_seconds, processes, file_size, open_files;
} lk_sandbox_limits;

/* What to start and how. Strings and arrays are only read, and only during the call. */
typedef struct {
    const char *path;          /* absolute path of the program */
    char *const *argv;         /* NULL-terminated */
    char *const *envp;         /* NULL-terminated; NULL: this process's environment */
    const char *directory;     /* working directory; NULL: this process's */
    int umask;                 /* -1: inherited */
    int change_user;           /* 1: setgroups(0), setgid(gid), setuid(uid) before exec */
    uid_t uid;
    gid_t gid;
    lk_sandbox_limits limits;
    int input;                 /* 1: a pipe to the child's stdin; 0: /dev/null */
    int merge_error;           /* 1: the child's stderr is its stdout pipe (no error pipe) */
    int sweep_uid;             /* 1: when stopping, the keeper also kills every process of uid */
    int death_signal;          /* 1 (Linux): the child gets SIGKILL if its keeper dies */
    int timeout_ms;            /* how long the launch may take before it is abandoned */
} lk_sandbox_spec;

/* A launched child, seen from the grader. Descriptors are close-on-exec; input, output and
   error are non-blocking; -1 when absent. */
typedef struct {
    pid_t keeper;              /* the grader's own child: reap it (lk_sandbox_reap) */
    pid_t child;               /* the program; its process group and session have this id */
    int input, output, error;
    int status;                /* lk_sandbox_record values from the keeper */
    int control;               /* close it to make the keeper kill everything and exit */
} lk_sandbox_process;

/* One message on the status pipe (written whole: smaller than PIPE_BUF). */
typedef struct {
    int32_t kind;              /* LK_SANDBOX_STARTED, _EXITED or _SIGNALED */
    int32_t value;             /* the child's pid, its exit status, or the signal that ended it */
} lk_sandbox_record;

enum { LK_SANDBOX_STARTED = 1, LK_SANDBOX_EXITED = 2, LK_SANDBOX_SIGNALED = 3 };

/* Starts spec's program under its keeper. Returns 0, or an errno value with a one-line
   reason in message (which step failed: "setuid", "execve /x", ...); nothing is left
   running then. */
int lk_sandbox_launch(const lk_sandbox_spec *spec, lk_sandbox_process *out, char *message, size_t message_size);

/* Waits up to timeout_ms for pid (a child of this process) to end and reaps it.
   Returns 1 when reaped (or already gone), 0 when it is still running. */
int lk_sandbox_reap(pid_t pid, int timeout_ms);

/* Kills every process whose real or saved uid is uid: a helper process drops to uid and
   sends SIGKILL to -1 (everything it may signal) until nothing is left, at most rounds
   times, 1 ms apart. Refuses uid 0. Returns 0 when nothing was left, 1 when processes
   (possibly zombies nobody reaps) remained after the last round, -1 with errno on error. */
int lk_sandbox_kill_uid(uid_t uid, int rounds);

/* Removes path and, when it is a directory, everything inside it, never following a
   symbolic link. Returns 0 or an errno value (ENOENT counts as success). */
int lk_sandbox_remove_tree(const char *path);

/* Removes every entry directly inside directory that uid owns (lstat), as
   lk_sandbox_remove_tree does. Returns how many were removed, or -1 with errno. */
int lk_sandbox_remove_owned(const char *directory, uid_t uid);

/* Sets SIGPIPE to be ignored in this process, once: a write to a child's closed pipe then
   fails with EPIPE instead of ending the grader. */
void lk_sandbox_ignore_sigpipe(void);

#endif
