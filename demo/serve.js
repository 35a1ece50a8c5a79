// serve.js — serves the repository as static files (sirv) and prints the demo's address.
// `make demo` / `npm start` run it; the browser tests start it on a free port.
// Usage: node demo/serve.js [--port N] (default 8080, or the next free one)
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Starts the server; resolves to { server, url } with url pointing at the demo page. */
export async function serveDemo({ port = 8080, host = '127.0.0.1', tries = 20 } = {}) {
  const files = sirv(root, { dev: true, dotfiles: false });
  const server = http.createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(302, { Location: '/demo/' });
      res.end();
      return;
    }
    files(req, res, () => {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    });
  });
  for (let i = 0; ; i++) {
    try {
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port + (port ? i : 0), host, resolve);
      });
      break;
    } catch (err) {
      if (err.code !== 'EADDRINUSE' || i >= tries || !port) throw err;
    }
  }
  const address = `http://${host === '127.0.0.1' ? 'localhost' : host}:${server.address().port}`;
  return { server, url: `${address}/demo/` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
  const { url } = await serveDemo({ port });
  console.log(`\n  wasm-cnn demo: ${url}\n  (Ctrl-C to stop)\n`);
}
