// Runs inside a host's network namespace (started by host.ts through `ip netns exec`) and pipes
// connections between a unix socket, which processes outside every namespace can open, and TCP
// inside this namespace. No partition rule touches either end.
//   node tcp-relay.mjs <socket path> <port>          unix socket -> 127.0.0.1:<port> here
//   node tcp-relay.mjs --serve <port> <socket path>  <port> on every address here -> unix socket
import { createConnection, createServer } from 'node:net';

const serve = process.argv[2] === '--serve';
const [first, second] = process.argv.slice(serve ? 3 : 2);
const connectUpstream = serve
  ? () => createConnection(second)
  : () => createConnection({ host: '127.0.0.1', port: Number(second) });
const server = createServer((client) => {
  const upstream = connectUpstream();
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
const ready = () => process.stdout.write('relay ready\n');
if (serve) server.listen({ port: Number(first), host: '0.0.0.0' }, ready);
else server.listen(first, ready);
