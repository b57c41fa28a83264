"""Functions the sandbox's tests run in a child process: importable, so they pickle by reference."""

import os
import resource
import signal
import time


def limits_in_force():
    return resource.getrlimit(resource.RLIMIT_AS), resource.getrlimit(resource.RLIMIT_CPU)


def pid():
    return os.getpid()


def loop_forever(pid_file):
    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    while True:
        time.sleep(0.01)


def spin_forever(pid_file):
    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    while True:
        pass


def allocate(size):
    return len(bytearray(size))


def fail(message):
    raise RuntimeError(message)


def die(signal_number):
    os.kill(os.getpid(), signal_number)
    time.sleep(5)


def exit_quietly():
    os._exit(3)


def crash():
    die(signal.SIGSEGV)
