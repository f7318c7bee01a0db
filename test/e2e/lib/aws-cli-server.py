"""A warm AWS CLI for the e2e (test/e2e/lib/warm-aws-cli.ts).

Each `aws` process spends ~0.8 s of CPU importing the CLI and building its driver before it sends one request to
moto; the e2e makes over a hundred such calls. This server does that once, then answers each call in a forked
child that runs the very entry point the `aws` script runs (`awscli.clidriver`'s driver `main(args)`), with the
call's working directory and environment, its stdout and stderr in files, and its exit code. A child is a fresh
process as far as the call is concerned: nothing one call does reaches the next.

Protocol: one JSON request per line on stdin, {"id", "args", "cwd", "env", "stdout", "stderr"}; when a call ends,
its child writes "<id> <exit code>" as one line on the server's stdout. Calls run concurrently.
"""
import json
import os
import signal
import sys

if os.environ.get('LC_CTYPE', '') == 'UTF-8':  # as the `aws` script does
    os.environ['LC_CTYPE'] = 'en_US.UTF-8'
import awscli.clidriver  # noqa: E402

# What importing the CLI did to the environment (it appends its own data directory to AWS_DATA_PATH): a call's
# environment gets the same, as a fresh `aws` process with that environment would. (Every call uses the
# environment the server started with: warm-aws-cli.ts refuses any other.)
DATA_PATH = os.environ['AWS_DATA_PATH']
DRIVER = awscli.clidriver.create_clidriver()
NOTIFY = os.dup(1)
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel


def serve(request):
    os.chdir(request['cwd'])
    os.environ.clear()
    os.environ.update(request['env'])
    if os.environ.get('LC_CTYPE', '') == 'UTF-8':
        os.environ['LC_CTYPE'] = 'en_US.UTF-8'
    os.environ['AWS_DATA_PATH'] = DATA_PATH
    out = os.open(request['stdout'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(request['stderr'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(err, 2)
    sys.stdout = os.fdopen(1, 'w', closefd=False)
    sys.stderr = os.fdopen(2, 'w', closefd=False)
    code = 255
    try:
        code = DRIVER.main(request['args'])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException as e:  # the `aws` process would have died with a traceback: say so, exit 255
        sys.stderr.write('warm aws cli: %s: %s\n' % (type(e).__name__, e))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os.write(NOTIFY, ('%s %d\n' % (request['id'], code if code is not None else 0)).encode())
    os._exit(0)


os.write(NOTIFY, b'ready\n')
for line in sys.stdin:
    if not line.strip():
        continue
    request = json.loads(line)
    if os.fork() == 0:
        serve(request)
