/*
 * taskfs_spawn: posix_spawn as the node's Spawner uses it (own process group, empty signal mask, every
 * signal at its default action, stdin/stdout/stderr from three descriptors, nothing else open, an optional
 * working directory), but the child is created inside a cgroup by clone3's CLONE_INTO_CGROUP. So the
 * command is in its task's group from its first instruction without a shell exec'd in front of it to move
 * itself there, which cost as much as a short command. glibc 2.36's posix_spawn has no way to do this.
 *
 * The child shares the caller's memory and the caller sleeps until it has exec'd or failed (CLONE_VM |
 * CLONE_VFORK, as glibc's posix_spawn does), so no page tables are copied however large the JVM. It runs on
 * a stack of its own and makes raw system calls only: it is not a thread glibc or the JVM knows about.
 *
 * Returns 0 and stores the pid; a positive errno when the command could not be started (the exec, dup or
 * chdir failed: the child is reaped here); a negative errno when this way cannot work here (clone3 failed: an
 * old kernel, a cgroup the caller may not use; or no close_range), after which the caller may start the
 * command another way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_VM
#define CLONE_VM 0x00000100
#endif
#ifndef CLONE_VFORK
#define CLONE_VFORK 0x00004000
#endif
#define TASKFS_CLONE_INTO_CGROUP 0x200000000ULL
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

struct taskfs_clone_args { /* the kernel's struct clone_args, version 2 (with cgroup) */
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

struct kernel_sigaction { /* what rt_sigaction takes, not glibc's struct sigaction */
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

struct request {
    const char *path;
    char *const *argv;
    char *const *envp;
    int fds[3];
    const char *dir;
    volatile int error; /* set by the child when it fails (negative: this way cannot work here); read after it exits */
};

#define STACK_SIZE (64 * 1024)

static long raw(long n, long a, long b, long c, long d) {
    return syscall(n, a, b, c, d);
}

static void fail(struct request *r) {
    r->error = errno ? errno : EINVAL;
    raw(SYS_exit_group, 127, 0, 0, 0);
}

static int child(struct request *r) {
    struct kernel_sigaction dfl;
    memset(&dfl, 0, sizeof dfl); /* SIG_DFL is 0 */
    for (int sig = 1; sig < 65; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            raw(SYS_rt_sigaction, sig, (long) &dfl, 0, 8); /* signals the kernel refuses stay as they are */
        }
    }
    if (raw(SYS_setpgid, 0, 0, 0, 0) != 0) {
        fail(r);
    }
    uint64_t none = 0;
    raw(SYS_rt_sigprocmask, SIG_SETMASK, (long) &none, 0, 8);
    for (int i = 0; i < 3; i++) {
        if (raw(SYS_dup3, r->fds[i], i, 0, 0) < 0) { /* fds[i] > 2 always, so dup3 cannot see equal descriptors */
            fail(r);
        }
    }
    /* The JVM's descriptors are mostly not close-on-exec. A kernel without close_range (before 5.9) cannot
     * make this child safely: the caller is told so, as if clone3 had failed, and starts it another way. */
    if (raw(SYS_close_range, 3, ~0U, 0, 0) != 0) {
        r->error = -(errno ? errno : ENOSYS);
        raw(SYS_exit_group, 127, 0, 0, 0);
    }
    if (r->dir != NULL && raw(SYS_chdir, (long) r->dir, 0, 0, 0) != 0) {
        fail(r);
    }
    raw(SYS_execve, (long) r->path, (long) r->argv, (long) r->envp, 0);
    fail(r);
    return 127;
}

#if defined(__x86_64__)
/* clone3 with a new stack: the child must not return through the caller's frames, so it calls child() from here. */
static long clone3_call(struct taskfs_clone_args *args, struct request *r) {
    long ret;
    register void *fn __asm__("r12") = (void *) child;
    register void *arg __asm__("r13") = r;
    __asm__ volatile(
        "syscall\n\t"
        "test %%rax, %%rax\n\t"
        "jnz 1f\n\t"
        "xor %%ebp, %%ebp\n\t"
        "mov %%r13, %%rdi\n\t"
        "call *%%r12\n\t"
        "mov %%eax, %%edi\n\t"
        "mov %[exit], %%eax\n\t"
        "syscall\n\t"
        "hlt\n"
        "1:\n\t"
        : "=a"(ret)
        : "0"((long) SYS_clone3), "D"(args), "S"(sizeof *args), "r"(fn), "r"(arg), [exit] "i"(SYS_exit_group)
        : "rcx", "r11", "memory");
    return ret;
}
#define HAVE_CLONE3_CALL 1
#elif defined(__aarch64__)
static long clone3_call(struct taskfs_clone_args *args, struct request *r) {
    register long x0 __asm__("x0") = (long) args;
    register long x1 __asm__("x1") = sizeof *args;
    register long x8 __asm__("x8") = SYS_clone3;
    register void *fn __asm__("x19") = (void *) child;
    register void *arg __asm__("x20") = r;
    __asm__ volatile(
        "svc #0\n\t"
        "cbnz x0, 1f\n\t"
        "mov x29, xzr\n\t"
        "mov x0, x20\n\t"
        "blr x19\n\t"
        "mov x8, %[exit]\n\t"
        "svc #0\n\t"
        "brk #0\n"
        "1:\n\t"
        : "+r"(x0)
        : "r"(x1), "r"(x8), "r"(fn), "r"(arg), [exit] "i"(SYS_exit_group)
        : "memory", "x30");
    return x0;
}
#define HAVE_CLONE3_CALL 1
#endif

int taskfs_spawn(int *pid, int cgroup_fd, const char *path, char *const argv[], char *const envp[],
                 int stdin_fd, int stdout_fd, int stderr_fd, const char *dir) {
#ifndef HAVE_CLONE3_CALL
    (void) pid; (void) cgroup_fd; (void) path; (void) argv; (void) envp;
    (void) stdin_fd; (void) stdout_fd; (void) stderr_fd; (void) dir;
    return -ENOSYS;
#else
    struct request r = {path, argv, envp, {stdin_fd, stdout_fd, stderr_fd}, dir, 0};
    void *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        return -errno;
    }
    struct taskfs_clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_VM | CLONE_VFORK | TASKFS_CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.stack = (uint64_t) (uintptr_t) stack;
    args.stack_size = STACK_SIZE;
    args.cgroup = (uint64_t) cgroup_fd;

    /* No handler of the caller's may run in the child before it has reset them: block everything around it. */
    uint64_t every = ~0ULL, saved;
    raw(SYS_rt_sigprocmask, SIG_SETMASK, (long) &every, (long) &saved, 8);
    long rc = clone3_call(&args, &r);
    int clone_errno = rc < 0 ? (int) -rc : 0;
    raw(SYS_rt_sigprocmask, SIG_SETMASK, (long) &saved, 0, 8);
    munmap(stack, STACK_SIZE);
    if (rc < 0) {
        return -clone_errno;
    }
    if (r.error != 0) {
        int status;
        while (waitpid((pid_t) rc, &status, 0) < 0 && errno == EINTR) {
        }
        return r.error;
    }
    *pid = (int) rc;
    return 0;
#endif
}
