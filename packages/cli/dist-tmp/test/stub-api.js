/**
 * A stand-in for a node's HTTP API on 127.0.0.1 (port 0): answers each route with canned JSON
 * and records what it received, so CLI tests exercise the real client over a real socket.
 */
import { createServer } from 'node:http';
export async function startStubApi(routes) {
    const table = new Map(Object.entries(routes));
    const requests = [];
    const hanging = [];
    const server = createServer((req, res) => {
        const chunks = [];
        req.on('data', (chunk) => { chunks.push(chunk); });
        req.on('end', () => {
            const method = req.method ?? 'GET';
            const url = req.url ?? '/';
            requests.push({ method, url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
            const answer = table.get(`${method} ${url}`);
            if (answer === 'hang') {
                // Never answer: the client's timeout must fire. Closed by close().
                hanging.push(res);
                return;
            }
            const { status, body, raw } = answer ?? {
                status: 404,
                body: { error: { code: 'not_found', message: `no route ${method} ${url}` } }
            };
            res.writeHead(status, { 'content-type': raw === undefined ? 'application/json' : 'text/plain' });
            res.end(raw ?? JSON.stringify(body));
        });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    return {
        api: `127.0.0.1:${port}`,
        requests,
        routes: table,
        close: async () => {
            for (const res of hanging)
                res.destroy();
            server.closeAllConnections();
            await new Promise((resolve, reject) => server.close(err => { err === undefined ? resolve() : reject(err); }));
        }
    };
}
/** A loopback port nobody listens on: bound by the OS, then released. */
export async function freePort() {
    const server = createServer();
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    await new Promise((resolve) => server.close(() => { resolve(); }));
    return port;
}
//# sourceMappingURL=stub-api.js.map