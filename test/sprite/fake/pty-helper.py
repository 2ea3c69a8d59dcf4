# TTY sessions of the local Sprites API: runs argv on a fresh pseudo-terminal (the fake has no native
# pty binding), relays fd 0 → terminal and terminal → fd 1, obeys "resize COLS ROWS" / "signal NAME"
# lines on fd 3, and exits with the command's exit code (128+N when killed by signal N) once the
# command has exited (background processes holding the terminal do not keep the session open).
# Usage: pty-helper.py COLS ROWS PATH ARGV0 [ARGS...]
import errno, fcntl, os, pty, select, signal, struct, sys, termios

PENDING_MAX = 1 << 20  # input waiting for the terminal; beyond it fd 0 is not read (backpressure)

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
    os.set_blocking(master, False)
    stdin_open, ctl_open = True, True
    ctl, pending = b'', b''
    status = None
    while True:
        if status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
        rlist = [master]
        if ctl_open:
            rlist.append(3)
        if stdin_open and len(pending) < PENDING_MAX:
            rlist.append(0)
        wlist = [master] if pending else []
        try:
            ready, writable, _ = select.select(rlist, wlist, [], 0.05 if status is not None else 0.2)
        except InterruptedError:
            continue
        if master in ready:
            try:
                data = os.read(master, 65536)
            except BlockingIOError:
                data = None
            except OSError:
                data = b''
            if data == b'':
                break
            if data:
                os.write(1, data)
        elif status is not None:
            break  # the command exited and its output is drained
        # Control before input: a resize sent before a command applies before the command runs.
        if 3 in ready:
            data = os.read(3, 4096)
            if not data:
                ctl_open = False
            ctl += data
            while b'\n' in ctl:
                line, ctl = ctl.split(b'\n', 1)
                parts = line.decode(errors='replace').split()
                try:
                    if len(parts) == 3 and parts[0] == 'resize':
                        winsize(master, int(parts[1]), int(parts[2]))
                        os.killpg(os.getpgid(pid), signal.SIGWINCH)
                    elif len(parts) == 2 and parts[0] == 'signal':
                        os.killpg(os.getpgid(pid), getattr(signal, 'SIG' + parts[1].upper().removeprefix('SIG')))
                except (OSError, AttributeError, ValueError):
                    pass
        if 0 in ready:
            data = os.read(0, 65536)
            if data:
                pending += data
            else:
                stdin_open = False
        if master in writable and pending:
            try:
                n = os.write(master, pending)
                pending = pending[n:]
            except BlockingIOError:
                pass
            except OSError as e:
                if e.errno != errno.EAGAIN:
                    pending = b''
    if status is None:
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    sys.exit(128 - code if code < 0 else code)

main()
