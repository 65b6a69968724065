'use strict';
/*
 * The baseline: a bare node:http server answering one fixed JSON body (read from a file given as argv[2],
 * or `{"status":"healthy"}`), with the same content type. Prints its port.
 */
const http = require('node:http');
const { readFileSync } = require('node:fs');

const body = process.argv[2] ? readFileSync(process.argv[2]) : Buffer.from('{"status":"healthy"}');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
