// Runs inside a host's network namespace (started by host.ts through `ip netns exec`): accepts
// connections on a unix socket, which the test process outside every namespace can open, and
// pipes each to 127.0.0.1:<port> inside this namespace. No partition rule touches either end.
import { createConnection, createServer } from 'node:net';

const [socketPath, port] = process.argv.slice(2);
const server = createServer((client) => {
  const upstream = createConnection({ host: '127.0.0.1', port: Number(port) });
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.pipe(upstream).pipe(client);
  for (const end of [client, upstream]) {
    end.on('error', close);
    end.on('close', close);
  }
});
server.listen(socketPath, () => process.stdout.write('relay ready\n'));
