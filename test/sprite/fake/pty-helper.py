# TTY sessions of the local Sprites API: runs argv on a fresh pseudo-terminal (the fake has no native
# pty binding), relays fd 0 → terminal and terminal → fd 1, obeys "resize COLS ROWS" / "signal NAME"
# lines on fd 3, and exits with the command's exit code (128+N when killed by signal N).
# Usage: pty-helper.py COLS ROWS PATH ARGV0 [ARGS...]
import fcntl, os, pty, select, signal, struct, sys, termios

def winsize(fd, cols, rows):
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    except OSError:
        pass

def main():
    cols, rows, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    argv = sys.argv[4:]
    # Size the terminal before the fork, so a resize that arrives early is never overwritten.
    master, slave = pty.openpty()
    winsize(slave, cols, rows)
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        os.close(3)
        try:
            os.execvp(path, argv)
        except OSError as e:
            os.write(2, ('exec %s: %s\r\n' % (path, e.strerror)).encode())
            os._exit(127)
    os.close(slave)
    inputs = [0, master, 3]
    ctl = b''
    while True:
        try:
            ready, _, _ = select.select(inputs, [], [])
        except InterruptedError:
            continue
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b''
            if not data:
                break
            os.write(1, data)
        if 0 in ready:
            data = os.read(0, 65536)
            if data:
                os.write(master, data)
            else:
                inputs.remove(0)
        if 3 in ready:
            data = os.read(3, 4096)
            if not data:
                inputs.remove(3)
            ctl += data
            while b'\n' in ctl:
                line, ctl = ctl.split(b'\n', 1)
                parts = line.decode().split()
                if len(parts) == 3 and parts[0] == 'resize':
                    winsize(master, int(parts[1]), int(parts[2]))
                    os.kill(pid, signal.SIGWINCH)
                elif len(parts) == 2 and parts[0] == 'signal':
                    try:
                        os.killpg(os.getpgid(pid), getattr(signal, 'SIG' + parts[1].upper().removeprefix('SIG')))
                    except (OSError, AttributeError):
                        pass
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    sys.exit(128 - code if code < 0 else code)

main()
