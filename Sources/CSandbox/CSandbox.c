/* Process spawning for the grader's sandbox: see include/CSandbox.h and Notes/sandbox.md.
   Between fork and exec only async-signal-safe calls are made: the grader has many threads,
   and a lock another thread held at the fork (malloc's, say) stays locked in the child. */

#ifdef __linux__
#define _GNU_SOURCE
#endif

#include "CSandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/capability.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

extern char **environ;

/* The steps of a launch, named in the error message when one fails. */
enum {
    STEP_FORK_CHILD = 1, STEP_SETSID, STEP_DEVNULL, STEP_DESCRIPTORS, STEP_LIMIT_AS, STEP_LIMIT_CPU,
    STEP_LIMIT_NPROC, STEP_LIMIT_FSIZE, STEP_LIMIT_NOFILE, STEP_LIMIT_CORE, STEP_SETGROUPS, STEP_SETGID,
    STEP_SETUID, STEP_PRIVILEGES_KEPT, STEP_CHDIR, STEP_PARENT_GONE, STEP_EXECVE
};

static const char *step_name(int step) {
    switch (step) {
    case STEP_FORK_CHILD: return "fork (in the keeper)";
    case STEP_SETSID: return "setsid";
    case STEP_DEVNULL: return "open /dev/null";
    case STEP_DESCRIPTORS: return "dup2 of the standard descriptors";
    case STEP_LIMIT_AS: return "setrlimit RLIMIT_AS";
    case STEP_LIMIT_CPU: return "setrlimit RLIMIT_CPU";
    case STEP_LIMIT_NPROC: return "setrlimit RLIMIT_NPROC";
    case STEP_LIMIT_FSIZE: return "setrlimit RLIMIT_FSIZE";
    case STEP_LIMIT_NOFILE: return "setrlimit RLIMIT_NOFILE";
    case STEP_LIMIT_CORE: return "setrlimit RLIMIT_CORE";
    case STEP_SETGROUPS: return "setgroups";
    case STEP_SETGID: return "setgid";
    case STEP_SETUID: return "setuid";
    case STEP_PRIVILEGES_KEPT: return "dropping privileges (capabilities or uid 0 still held after setuid)";
    case STEP_CHDIR: return "chdir";
    case STEP_PARENT_GONE: return "the keeper ended before the child started";
    case STEP_EXECVE: return "execve";
    default: return "an unknown step";
    }
}

/* ---- small async-signal-safe helpers ---- */

static void write_all(int fd, const void *data, size_t size) {
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        p += n;
        size -= (size_t)n;
    }
}

static long monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) { poll(NULL, 0, ms); }

/* Closes the descriptors lo ... hi. */
static void close_range_of(unsigned lo, unsigned hi) {
    if (lo > hi) return;
#ifdef __linux__
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
    if (syscall(SYS_close_range, lo, hi, 0) == 0) return;
#endif
    /* Without close_range (older kernels, macOS): every number up to the descriptor limit. */
    unsigned long max = 65536;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max) max = rl.rlim_cur;
    for (unsigned long fd = lo; fd <= hi && fd < max; fd++) close((int)fd);
}

/* Closes every descriptor but the n in keep (negative entries are ignored). */
static void close_all_except(int *keep, int n) {
    for (int i = 1; i < n; i++) {            /* insertion sort: no allocation after fork */
        int v = keep[i], j = i - 1;
        while (j >= 0 && keep[j] > v) { keep[j + 1] = keep[j]; j--; }
        keep[j + 1] = v;
    }
    unsigned from = 0;
    for (int i = 0; i < n; i++) {
        if (keep[i] < 0 || (unsigned)keep[i] < from) continue;
        if ((unsigned)keep[i] > from) close_range_of(from, (unsigned)keep[i] - 1);
        from = (unsigned)keep[i] + 1;
    }
    close_range_of(from, ~0U);
}

#ifdef __linux__
/* Whether this process still holds any capability (effective or permitted). */
static int holds_capabilities(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return 1;   /* unknown: assume the worst */
    return data[0].effective || data[1].effective || data[0].permitted || data[1].permitted;
}
#endif

/* ---- the child: from the keeper's fork to exec ---- */

static int child_report_fd = -1;

static void child_fail(int step, int error) __attribute__((noreturn));
static void child_fail(int step, int error) {
    int32_t record[2] = { step, error };
    write_all(child_report_fd, record, sizeof record);
    _exit(127);
}

/* Sets a limit, never above the hard limit already in force (only root could raise it, and
   the grader's own limit is then the stricter one). */
static void child_limit(int resource, uint64_t soft, uint64_t hard, int step) {
    struct rlimit current, next;
    if (getrlimit(resource, &current) != 0) child_fail(step, errno);
    rlim_t h = hard >= (uint64_t)RLIM_INFINITY ? RLIM_INFINITY : (rlim_t)hard;
    rlim_t s = soft >= (uint64_t)RLIM_INFINITY ? RLIM_INFINITY : (rlim_t)soft;
    if (current.rlim_max != RLIM_INFINITY && (h == RLIM_INFINITY || h > current.rlim_max)) h = current.rlim_max;
    if (h != RLIM_INFINITY && (s == RLIM_INFINITY || s > h)) s = h;
    next.rlim_cur = s;
    next.rlim_max = h;
    if (setrlimit(resource, &next) != 0) child_fail(step, errno);
}

static void child_main(const lk_sandbox_spec *spec, int in_r, int out_w, int err_w, int report_w)
    __attribute__((noreturn));
static void child_main(const lk_sandbox_spec *spec, int in_r, int out_w, int err_w, int report_w) {
    pid_t keeper = getppid();
    child_report_fd = report_w;
    /* Its own session and process group: the grader's terminal never signals it, and one
       kill(-pid) reaches everything it starts that stays in the group. */
    if (setsid() < 0) child_fail(STEP_SETSID, errno);

    int source[3] = { in_r, out_w, err_w };
    if (source[0] < 0 && (source[0] = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) child_fail(STEP_DEVNULL, errno);
    /* Move everything off 0..2 first, so that no dup2 below overwrites a source. */
    for (int i = 0; i < 3; i++) {
        if (source[i] < 3 && (source[i] = fcntl(source[i], F_DUPFD_CLOEXEC, 3)) < 0) child_fail(STEP_DESCRIPTORS, errno);
    }
    if (child_report_fd < 3) {
        int moved = fcntl(child_report_fd, F_DUPFD_CLOEXEC, 3);
        if (moved < 0) _exit(127);
        child_report_fd = moved;
    }
    for (int i = 0; i < 3; i++) {
        while (dup2(source[i], i) < 0) { if (errno != EINTR) child_fail(STEP_DESCRIPTORS, errno); }
    }
    int keep[4] = { 0, 1, 2, child_report_fd };
    close_all_except(keep, 4);

    const lk_sandbox_limits *l = &spec->limits;
    child_limit(RLIMIT_CORE, 0, 0, STEP_LIMIT_CORE);
    if (l->has_address_space) child_limit(RLIMIT_AS, l->address_space, l->address_space, STEP_LIMIT_AS);
    if (l->has_cpu_seconds) child_limit(RLIMIT_CPU, l->cpu_seconds, l->cpu_seconds + 1, STEP_LIMIT_CPU);
    if (l->has_processes) child_limit(RLIMIT_NPROC, l->processes, l->processes, STEP_LIMIT_NPROC);
    if (l->has_file_size) child_limit(RLIMIT_FSIZE, l->file_size, l->file_size, STEP_LIMIT_FSIZE);
    if (l->has_open_files) child_limit(RLIMIT_NOFILE, l->open_files, l->open_files, STEP_LIMIT_NOFILE);
    if (spec->umask >= 0) umask((mode_t)spec->umask);

    if (spec->change_user) {
        if (setgroups(0, NULL) != 0) child_fail(STEP_SETGROUPS, errno);
        if (setgid(spec->gid) != 0) child_fail(STEP_SETGID, errno);
        if (setuid(spec->uid) != 0) child_fail(STEP_SETUID, errno);
        if (spec->uid != 0 && (getuid() == 0 || geteuid() == 0 || setuid(0) == 0)) child_fail(STEP_PRIVILEGES_KEPT, EPERM);
#ifdef __linux__
        if (spec->uid != 0 && holds_capabilities()) child_fail(STEP_PRIVILEGES_KEPT, EPERM);
#endif
    }
    if (spec->directory && chdir(spec->directory) != 0) child_fail(STEP_CHDIR, errno);
#ifdef __linux__
    /* After setuid, which clears it. A learner can clear it too: it only tidies up when the
       keeper is killed; the keeper's own kill is the defence. */
    if (spec->death_signal) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != keeper) child_fail(STEP_PARENT_GONE, ESRCH);
    }
#else
    (void)keeper;
#endif
    /* Ignored signals stay ignored across exec, and a blocked SIGXCPU would turn the CPU limit
       into a SIGKILL at the hard limit: every signal back to its default, none blocked. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) sigaction(s, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    execve(spec->path, spec->argv, spec->envp ? spec->envp : environ);
    child_fail(STEP_EXECVE, errno);
}

#ifdef __linux__
struct child_arguments {
    const lk_sandbox_spec *spec;
    int in_r, out_w, err_w, report_w;
};

static int child_entry(void *raw) {
    struct child_arguments *a = raw;
    child_main(a->spec, a->in_r, a->out_w, a->err_w, a->report_w);
}
#endif

/* ---- the keeper ---- */

static void keeper_on_child(int signal) { (void)signal; }

static void keeper_record(int fd, int32_t kind, int32_t value) {
    lk_sandbox_record record = { kind, value };
    write_all(fd, &record, sizeof record);
}

static void keeper_record_status(int fd, int status) {
    if (WIFEXITED(status)) keeper_record(fd, LK_SANDBOX_EXITED, WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) keeper_record(fd, LK_SANDBOX_SIGNALED, WTERMSIG(status));
}

#ifdef __linux__
/* Writes the decimal digits of value at out; returns how many. */
static size_t put_number(char *out, long value) {
    char digits[24];
    size_t n = 0, length = 0;
    do { digits[n++] = (char)('0' + value % 10); value /= 10; } while (value > 0);
    while (n > 0) out[length++] = digits[--n];
    return length;
}

/* SIGKILL to each of this process's children but spare (orphans included: the keeper is
   their subreaper). Returns how many were listed. */
static int keeper_kill_children(pid_t spare) {
    static char path[64], buffer[65536];
    const char *prefix = "/proc/self/task/";
    size_t at = strlen(prefix);
    memcpy(path, prefix, at);
    at += put_number(path + at, getpid());
    memcpy(path + at, "/children", sizeof "/children");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t size = 0, got;
    while (size < (ssize_t)sizeof buffer - 1 && (got = read(fd, buffer + size, sizeof buffer - 1 - (size_t)size)) != 0) {
        if (got < 0) { if (errno == EINTR) continue; break; }
        size += got;
    }
    close(fd);
    int listed = 0;
    long value = -1;
    for (ssize_t i = 0; i <= size; i++) {
        char c = i < size ? buffer[i] : ' ';
        if (c >= '0' && c <= '9') { value = (value < 0 ? 0 : value * 10) + (c - '0'); continue; }
        if (value > 0 && value != spare) { kill((pid_t)value, SIGKILL); listed++; }
        value = -1;
    }
    return listed;
}
#endif

#ifdef __linux__
/* Whether /proc lists a process other than this one, not yet a zombie, whose real, effective
   or saved uid is uid.
   (Linux's kill(-1) answers 0 whenever any other process exists, even one it may not signal,
   so its result cannot tell when the uid has none left.) Reads /proc with getdents64 into
   static buffers: no allocation in a forked child. */
static int uid_has_live_process(uid_t uid) {
    static char entries[32768], status[4096], path[64];
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc < 0) return 1;   /* cannot tell: assume some are left */
    int found = 0;
    long size, self = getpid();
    char own[24];
    own[put_number(own, self)] = 0;
    while (!found && (size = syscall(SYS_getdents64, proc, entries, sizeof entries)) > 0) {
        for (long at = 0; at < size && !found;) {
            unsigned short length = *(unsigned short *)(entries + at + 16);   /* d_reclen */
            const char *name = entries + at + 19;                               /* d_name */
            at += length;
            if (name[0] < '1' || name[0] > '9' || strcmp(name, own) == 0) continue;
            size_t p = 0;
            memcpy(path, "/proc/", 6);
            p = 6;
            for (const char *c = name; *c && p < sizeof path - 8; c++) path[p++] = *c;
            memcpy(path + p, "/status", sizeof "/status");
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            ssize_t n = read(fd, status, sizeof status - 1);
            close(fd);
            if (n <= 0) continue;
            status[n] = 0;
            const char *state = strstr(status, "\nState:\t");
            const char *uids = strstr(status, "\nUid:\t");
            if (!state || !uids || state[8] == 'Z' || state[8] == 'X') continue;
            const char *c = uids + 6;
            for (int field = 0; field < 4 && !found; field++) {
                long value = 0;
                while (*c == '\t' || *c == ' ') c++;
                if (*c < '0' || *c > '9') break;
                while (*c >= '0' && *c <= '9') value = value * 10 + (*c++ - '0');
                if ((uid_t)value == uid) found = 1;
            }
        }
    }
    close(proc);
    return found;
}
#endif

/* Forks the helper that kills every process of uid (see lk_sandbox_kill_uid); -1 on error. */
static pid_t start_kill_uid(uid_t uid, int rounds) {
    if (uid == 0) { errno = EINVAL; return -1; }
    pid_t helper = fork();
    if (helper == 0) {
        /* kill(-1) with any privilege left would reach every process on the machine. */
        if (setgroups(0, NULL) != 0 && getuid() == 0) _exit(2);
        if (setuid(uid) != 0 || getuid() != uid || geteuid() != uid) _exit(2);
#ifdef __linux__
        if (holds_capabilities()) _exit(2);
#endif
        for (int i = 0; i < rounds; i++) {
            if (kill(-1, SIGKILL) != 0 && errno == ESRCH) _exit(0);
#ifdef __linux__
            if (!uid_has_live_process(uid)) _exit(0);
#endif
            sleep_ms(1);
        }
        _exit(1);
    }
    return helper;
}

/* Kills every process of uid from a helper that runs as uid (see the header). */
static int kill_uid(uid_t uid, int rounds) {
    pid_t helper = start_kill_uid(uid, rounds);
    if (helper < 0) return -1;
    int status;
    while (waitpid(helper, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) <= 1) return WEXITSTATUS(status);
    errno = EPERM;
    return -1;
}

int lk_sandbox_kill_uid(uid_t uid, int rounds) { return kill_uid(uid, rounds); }

static void keeper_main(const lk_sandbox_spec *spec, int in_r, int out_w, int err_w, int report_w, int status_w,
                        int control_r) __attribute__((noreturn));
static void keeper_main(const lk_sandbox_spec *spec, int in_r, int out_w, int err_w, int report_w, int status_w,
                        int control_r) {
    /* Out of the grader's session: a Ctrl-C meant for the grader must not end the keeper
       before it has cleaned up (it sees the grader go by the control pipe's end). */
    setsid();
    int keep[6] = { in_r, out_w, err_w, report_w, status_w, control_r };
    close_all_except(keep, 6);
    /* pselect's fd_set holds descriptors below FD_SETSIZE only; the grader's may be higher. */
    int low = fcntl(control_r, F_DUPFD_CLOEXEC, 0);
    if (low >= 0 && low < control_r) { close(control_r); control_r = low; }

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &action, NULL);
    action.sa_handler = keeper_on_child;
    action.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &action, NULL);
    sigset_t with_child, without_child;
    sigemptyset(&with_child);
    sigaddset(&with_child, SIGCHLD);
    sigprocmask(SIG_SETMASK, &with_child, NULL);
    sigemptyset(&without_child);
#ifdef __linux__
    prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif

#ifdef __linux__
    /* As posix_spawn does: the child borrows the keeper's memory (on a stack of its own) until
       it execs, which spares copying the page tables of the grader's whole address space a
       second time; the keeper waits meanwhile (CLONE_VFORK). */
    static char child_stack[128 * 1024] __attribute__((aligned(16)));
    struct child_arguments arguments = { spec, in_r, out_w, err_w, report_w };
    pid_t child = clone(child_entry, child_stack + sizeof child_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &arguments);
#else
    pid_t child = fork();
    if (child == 0) child_main(spec, in_r, out_w, err_w, report_w);
#endif
    if (child < 0) {
        int32_t record[2] = { STEP_FORK_CHILD, errno };
        write_all(report_w, record, sizeof record);
        _exit(1);
    }
    keeper_record(status_w, LK_SANDBOX_STARTED, child);
    if (in_r >= 0) close(in_r);
    close(out_w);
    if (err_w >= 0) close(err_w);
    close(report_w);

    /* Running: report the child's end as soon as it happens, but leave it unreaped so that
       its pid, and so its process group, cannot be reused before the kill below. Reap the
       other children (orphans) as they end. */
    int reported = 0;
    for (;;) {
        for (;;) {
            siginfo_t info;
            memset(&info, 0, sizeof info);
            if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) break;
            if (info.si_pid == child) {
                if (!reported) {
                    int32_t kind = info.si_code == CLD_EXITED ? LK_SANDBOX_EXITED : LK_SANDBOX_SIGNALED;
                    keeper_record(status_w, kind, info.si_status);
                    reported = 1;
                }
                break;                      /* the child stays first in line until the stop */
            }
            waitpid(info.si_pid, NULL, WNOHANG);
        }
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(control_r, &readable);
        /* SIGCHLD is unblocked only inside pselect, so none is lost between the check above
           and the wait; the timeout only guards against a platform whose pselect is not atomic. */
        struct timespec timeout = { 1, 0 };
        int ready = pselect(control_r + 1, &readable, NULL, NULL, &timeout, &without_child);
        if (ready > 0) {
            char byte;
            ssize_t n = read(control_r, &byte, 1);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;   /* closed: stop */
        }
    }

    /* Stopping: the child's group, then (user isolation) every process of the learner's uid,
       then every remaining child (orphans reparented here) until none is left. */
    kill(-child, SIGKILL);
    kill(child, SIGKILL);
    /* The sweep runs beside the reaping: killed processes stay zombies, which kill(-1) still
       finds, until this loop reaps them. */
    pid_t sweeper = spec->sweep_uid && spec->change_user ? start_kill_uid(spec->uid, 50) : -1;
    long deadline = monotonic_ms() + 3000;
    for (;;) {
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            if (pid == child && !reported) { keeper_record_status(status_w, status); reported = 1; }
            if (pid == sweeper) sweeper = -1;
        }
        if (pid < 0 && errno == ECHILD) break;
#ifdef __linux__
        keeper_kill_children(sweeper);
#endif
        if (monotonic_ms() > deadline) break;
        sleep_ms(1);
    }
    _exit(0);
}

/* ---- the grader's side ---- */

static int make_pipe(int fds[2]) {
#ifdef __linux__
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

static void set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void close_if_open(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

int lk_sandbox_reap(pid_t pid, int timeout_ms) {
    long deadline = monotonic_ms() + timeout_ms;
    int pause = 1;
    for (;;) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) return 1;
        if (r < 0 && errno != EINTR) return 1;
        long left = deadline - monotonic_ms();
        if (left <= 0) return 0;
        sleep_ms(pause < left ? pause : (int)left);
        if (pause < 10) pause++;
    }
}

int lk_sandbox_launch(const lk_sandbox_spec *spec, lk_sandbox_process *out, char *message, size_t message_size) {
    int in[2] = { -1, -1 }, output[2] = { -1, -1 }, error[2] = { -1, -1 };
    int status[2] = { -1, -1 }, control[2] = { -1, -1 }, report[2] = { -1, -1 };
    int failure = 0;
    const char *step = "pipe";
    out->keeper = out->child = -1;
    out->input = out->output = out->error = out->status = out->control = -1;
    if (message_size > 0) message[0] = 0;

    if ((spec->input && make_pipe(in) != 0) || make_pipe(output) != 0 || (!spec->merge_error && make_pipe(error) != 0)
        || make_pipe(status) != 0 || make_pipe(control) != 0 || make_pipe(report) != 0) {
        failure = errno;
        goto fail;
    }
    pid_t keeper = fork();
    if (keeper < 0) { failure = errno; step = "fork (the keeper)"; goto fail; }
    if (keeper == 0) {
        keeper_main(spec, in[0], output[1], spec->merge_error ? output[1] : error[1], report[1], status[1], control[0]);
    }
    out->keeper = keeper;
    close_if_open(&in[0]);
    close_if_open(&output[1]);
    close_if_open(&error[1]);
    close_if_open(&status[1]);
    close_if_open(&control[0]);
    close_if_open(&report[1]);

    /* The report pipe closes without a word when exec succeeds (close-on-exec); a failed
       step writes its number and errno first. */
    long deadline = monotonic_ms() + (spec->timeout_ms > 0 ? spec->timeout_ms : 10000);
    int32_t record[2];
    size_t got = 0;
    for (;;) {
        long left = deadline - monotonic_ms();
        if (left <= 0) { failure = ETIMEDOUT; step = "waiting for the child to start"; goto fail; }
        struct pollfd p = { report[0], POLLIN, 0 };
        int ready = poll(&p, 1, (int)left);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        ssize_t n = read(report[0], (char *)record + got, sizeof record - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
        if (got == sizeof record) break;
    }
    if (got == sizeof record) {
        failure = record[1] ? record[1] : EIO;
        step = step_name(record[0]);
        if (record[0] == STEP_EXECVE || record[0] == STEP_CHDIR) {
            snprintf(message, message_size, "%s %s: %s", step,
                     record[0] == STEP_EXECVE ? spec->path : (spec->directory ? spec->directory : ""), strerror(failure));
            step = NULL;
        }
        goto fail;
    }
    lk_sandbox_record started;
    ssize_t n;
    while ((n = read(status[0], &started, sizeof started)) < 0 && errno == EINTR) {}
    if (n != (ssize_t)sizeof started || started.kind != LK_SANDBOX_STARTED) {
        failure = EIO;
        step = "the keeper ended before reporting the child";
        goto fail;
    }
    close_if_open(&report[0]);
    out->child = started.value;
    out->input = in[1];
    out->output = output[0];
    out->error = error[0];
    out->status = status[0];
    out->control = control[1];
    if (out->input >= 0) set_nonblocking(out->input);
    set_nonblocking(out->output);
    if (out->error >= 0) set_nonblocking(out->error);
    set_nonblocking(out->status);
    return 0;

fail:
    if (step && message_size > 0) snprintf(message, message_size, "%s: %s", step, strerror(failure));
    for (int i = 0; i < 2; i++) {
        close_if_open(&in[i]);
        close_if_open(&output[i]);
        close_if_open(&error[i]);
        close_if_open(&status[i]);
        close_if_open(&control[i]);   /* the keeper sees its end and kills what it started */
        close_if_open(&report[i]);
    }
    if (out->keeper > 0 && !lk_sandbox_reap(out->keeper, 5000)) {
        kill(out->keeper, SIGKILL);
        lk_sandbox_reap(out->keeper, 5000);
    }
    out->keeper = -1;
    return failure ? failure : EIO;
}

/* ---- removing what the learner left ---- */

/* Removes name inside dir_fd. Below depth 64 a directory is moved up into root_fd instead of
   entered, so a deep tree never needs more than 64 open descriptors; the caller repeats
   until the root is empty. */
static int remove_at(int root_fd, int dir_fd, const char *name, int depth, unsigned long *moved) {
    if (unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT) return 0;
    if (errno != EISDIR && errno != EPERM) return errno;
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno;
    DIR *dir = fdopendir(fd);
    if (!dir) { int e = errno; close(fd); return e; }
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        if (depth >= 64 && unlinkat(fd, entry->d_name, 0) != 0 && (errno == EISDIR || errno == EPERM)) {
            char spare[64];
            snprintf(spare, sizeof spare, ".lk-remove-%ld-%lu", (long)getpid(), (*moved)++);
            renameat(fd, entry->d_name, root_fd, spare);
            continue;
        }
        if (depth < 64) remove_at(root_fd, fd, entry->d_name, depth + 1, moved);
    }
    closedir(dir);
    if (unlinkat(dir_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT) return 0;
    return errno;
}

int lk_sandbox_remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : errno;
    if (!S_ISDIR(st.st_mode)) return unlink(path) == 0 || errno == ENOENT ? 0 : errno;
    int root = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (root < 0) return errno;
    unsigned long moved = 0;
    /* Empty the root (flattening anything deeper than 64 into it), then remove it. */
    for (int pass = 0; pass < 10000; pass++) {
        int fd = dup(root);
        if (fd < 0) break;
        DIR *dir = fdopendir(fd);
        if (!dir) { close(fd); break; }
        rewinddir(dir);
        int left = 0;
        struct dirent *entry;
        while ((entry = readdir(dir)) != NULL) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
            left++;
            remove_at(root, root, entry->d_name, 1, &moved);
        }
        closedir(dir);
        if (left == 0) break;
    }
    close(root);
    return rmdir(path) == 0 || errno == ENOENT ? 0 : errno;
}

int lk_sandbox_remove_owned(const char *directory, uid_t uid) {
    int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    DIR *dir = fdopendir(fd);
    if (!dir) { close(fd); return -1; }
    int removed = 0;
    struct dirent *entry;
    size_t base = strlen(directory);
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        struct stat st;
        if (fstatat(fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_uid != uid) continue;
        size_t length = base + 1 + strlen(entry->d_name) + 1;
        char *path = malloc(length);
        if (!path) break;
        snprintf(path, length, "%s/%s", directory, entry->d_name);
        if (lk_sandbox_remove_tree(path) == 0) removed++;
        free(path);
    }
    closedir(dir);
    return removed;
}

void lk_sandbox_ignore_sigpipe(void) {
    static volatile int done = 0;   /* idempotent: a second call sets the same disposition */
    if (done) return;
    signal(SIGPIPE, SIG_IGN);
    done = 1;
}
