'use strict';
/**
 * A few-line HTTP service for the example image: answers the task definition's health check, and only
 * with 200 while the scratch directory (/tmp, a bind mount) is writable for the non-root user.
 */
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const port = Number(process.env.PORT || 8080);
const healthPath = process.env.HEALTH_PATH || '/health';
const scratch = os.tmpdir(); // /tmp in the container

function scratchIsWritable() {
  const probe = path.join(scratch, `.health-${process.pid}`);
  try {
    fs.writeFileSync(probe, 'ok');
    fs.unlinkSync(probe);
    return true;
  } catch {
    return false;
  }
}

const server = http.createServer((req, res) => {
  if (req.url === healthPath) {
    const ok = scratchIsWritable();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(ok ? 'ok\n' : `cannot write to ${scratch}\n`);
  } else {
    res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/' ? 'Better Call Buffet\n' : 'not found\n');
  }
});

server.listen(port, () => console.log(`listening on ${server.address().port}, health check ${healthPath}`));
// ECS sends SIGTERM, then SIGKILL after the task's stopTimeout: finish open requests in between.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
