#!/usr/bin/env python3
# Stoker fixture: a threaded FastCGI WSGI server that behaves like flup's `WSGIServer(app).run()`
# (flup/server/threadedserver.py + threadpool.py), written here because flup cannot be installed.
# It serves on the inherited fd-0 socket (or, with BIND_ADDRESS=/path.sock, binds that path itself
# as `WSGIServer(app, bindAddress=...)` does: unlink, bind, listen); its main thread select()s and accept()s, hands each
# connection to a thread pool (minSpare=1, maxSpare=5, like flup), and on SIGTERM/SIGINT/SIGHUP
# stops its accept loop, then shuts the pool down: running requests finish, connections it
# accepted but no thread has started yet are dropped when it exits (flup does exactly this).
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

if os.environ.get("CRASH_ON_START") == "1":
    sys.stderr.write("Traceback (most recent call last):\nRuntimeError: CRASH_ON_START=1: this fixture refuses to start\n")
    sys.exit(1)

VERSION = os.environ.get("APP_VERSION") or "dev"
FCGI_BEGIN_REQUEST, FCGI_ABORT_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 2, 3, 4, 5, 6
FCGI_GET_VALUES, FCGI_GET_VALUES_RESULT = 9, 10
FCGI_KEEP_CONN = 1
HEADER = struct.Struct("!BBHHBx")


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"hello from python pid={os.getpid()} version={VERSION}\n".encode()]


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def read_record(sock):
    _version, rtype, request_id, length, padding = HEADER.unpack(read_exact(sock, HEADER.size))
    content = read_exact(sock, length) if length else b""
    if padding:
        read_exact(sock, padding)
    return rtype, request_id, content


def write_record(sock, rtype, request_id, content=b""):
    for i in range(0, max(len(content), 1), 65535):
        part = content[i : i + 65535]
        sock.sendall(HEADER.pack(1, rtype, request_id, len(part), 0) + part)


def decode_pairs(data):
    pairs, i = {}, 0
    while i < len(data):
        lengths = []
        for _ in range(2):
            n = data[i]
            if n >> 7:
                n = struct.unpack("!I", data[i : i + 4])[0] & 0x7FFFFFFF
                i += 4
            else:
                i += 1
            lengths.append(n)
        name = data[i : i + lengths[0]].decode("latin-1")
        i += lengths[0]
        pairs[name] = data[i : i + lengths[1]].decode("latin-1")
        i += lengths[1]
    return pairs


class Connection:
    """One accepted connection: reads requests until the web server is done with it (flup's fcgi_base.Connection)."""

    def __init__(self, sock):
        self.sock = sock

    def run(self):
        try:
            keep = True
            while keep:
                keep = self.serve_one()
        except (EOFError, OSError):
            pass
        finally:
            self.sock.close()

    def serve_one(self):
        params, stdin, request_id, flags = b"", b"", None, 0
        while True:
            rtype, rid, content = read_record(self.sock)
            if rtype == FCGI_GET_VALUES:
                write_record(self.sock, FCGI_GET_VALUES_RESULT, 0)
            elif rtype == FCGI_BEGIN_REQUEST:
                request_id, flags = rid, content[2]
            elif rtype == FCGI_PARAMS:
                params += content
            elif rtype == FCGI_STDIN:
                if not content:
                    break
                stdin += content
            elif rtype == FCGI_ABORT_REQUEST:
                return False
        environ = decode_pairs(params)
        status_headers = []

        def start_response(status, headers):
            status_headers[:] = [status, headers]

        body = b"".join(app(environ, start_response))
        status, headers = status_headers
        head = f"Status: {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        write_record(self.sock, FCGI_STDOUT, request_id, head.encode() + body)
        write_record(self.sock, FCGI_STDOUT, request_id)
        write_record(self.sock, FCGI_END_REQUEST, request_id, struct.pack("!IB3x", 0, 0))
        return bool(flags & FCGI_KEEP_CONN)


class ThreadPool:
    """flup's ThreadPool: idle threads between minSpare and maxSpare; a stopped pool starts no queued job."""

    def __init__(self, min_spare=1, max_spare=5):
        self.min_spare, self.max_spare = min_spare, max_spare
        self.lock = threading.Condition()
        self.queue = []
        self.idle = self.workers = max_spare
        self.threads = []
        self.stop = False
        for _ in range(max_spare):
            self.start_thread()

    def start_thread(self):
        t = threading.Thread(target=self.worker, daemon=True)
        self.threads.append(t)
        t.start()

    def add_job(self, job):
        with self.lock:
            while self.idle < self.min_spare:
                self.start_thread()
                self.workers += 1
                self.idle += 1
            if not self.idle:
                return False
            self.queue.append(job)
            self.lock.notify()
            return True

    def worker(self):
        with self.lock:
            while True:
                while not self.queue and not self.stop:
                    self.lock.wait()
                if self.stop:
                    return  # a job still queued here is never run: its connection dies with the process
                job = self.queue.pop(0)
                self.idle -= 1
                self.lock.release()
                try:
                    job.run()
                finally:
                    self.lock.acquire()
                if self.idle == self.max_spare:
                    break
                self.idle += 1
            self.threads.remove(threading.current_thread())
            self.workers -= 1

    def shutdown(self):
        with self.lock:
            self.stop = True
            self.lock.notify_all()
        for t in self.threads[:]:
            t.join()


def main():
    bind_address = os.environ.get("BIND_ADDRESS")
    if bind_address:
        # flup's WSGIServer(app, bindAddress=PATH): replace whatever file is there, bind, listen.
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # BIND_PAUSE_MS: how long each step takes, as on a loaded host where the process is
        # preempted between them (a connect() meanwhile finds no file, then a socket not listening).
        pause = int(os.environ.get("BIND_PAUSE_MS") or 0) / 1000
        try:
            os.unlink(bind_address)
        except OSError:
            pass
        time.sleep(pause)
        sock.bind(bind_address)
        time.sleep(pause)
        sock.listen(socket.SOMAXCONN)
    else:
        sock = socket.socket(fileno=os.dup(0))  # flup: socket.fromfd(FCGI_LISTENSOCK_FILENO, AF_INET, SOCK_STREAM)
    pool = ThreadPool()
    keep_going = [True]

    def stop(_signum, _frame):
        keep_going[0] = False

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    while keep_going[0]:
        # Python 3 retries select() after a handled signal (PEP 475), as flup-py3 does: a connection
        # that arrives before the timeout is still accepted after SIGTERM.
        ready, _, _ = select.select([sock], [], [], 1.0)
        if ready:
            try:
                client, _addr = sock.accept()
            except (BlockingIOError, InterruptedError):
                continue
            if not pool.add_job(Connection(client)):
                client.close()
    pool.shutdown()


if __name__ == "__main__":
    main()
