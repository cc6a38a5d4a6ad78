'use strict';
// The Node application of nginx/tests/fleet.sh: the npm `memcached` client (the version
// pinned in clients/node-memcached, installed there by `npm ci`), as a Node service
// configures it ({'host:port': weight}), stores the keys PREFIX00000, PREFIX00001, ... on the
// servers of LIST, each with the key itself as its value. Where each key goes is the
// client's own choice: nginx must then find it there.
//
//     node node_writer.js LIST PREFIX N
//
// LIST holds `HOST:PORT WEIGHT` lines. At most 64 sets are in flight. Prints "npm memcached:
// N keys stored"; exit status 1 at the first set that fails, 2 on bad arguments.
const fs = require('fs');
const path = require('path');
const Memcached = require(path.join(__dirname, '..', '..', 'clients', 'node-memcached',
    'node_modules', 'memcached'));

const [listPath, prefix, countText] = process.argv.slice(2);
if (countText === undefined) {
    process.stderr.write('usage: node node_writer.js LIST PREFIX N\n');
    process.exit(2);
}
const count = Number(countText);

const servers = {};
for (const line of fs.readFileSync(listPath, 'utf8').split('\n')) {
    const [addr, weight] = line.trim().split(/\s+/);
    if (addr) servers[addr] = Number(weight);
}

// No retries, and a server is never taken off the ring: a failed set is a failed test. As
// many connections a server as sets in flight (all of them may go to one server).
const client = new Memcached(servers, { retries: 0, timeout: 2000, remove: false, poolSize: 64 });
let next = 0;
let stored = 0;
let inFlight = 0;

function fill() {
    while (inFlight < 64 && next < count) {
        const key = prefix + String(next).padStart(5, '0');
        next++;
        inFlight++;
        client.set(key, key, 0, (err) => {
            inFlight--;
            if (err) {
                process.stderr.write(`npm memcached: set ${key}: ${err.message || err}\n`);
                client.end();
                process.exit(1);
            }
            stored++;
            fill();
            if (inFlight === 0) {
                console.log(`npm memcached: ${stored} keys stored`);
                client.end();
            }
        });
    }
}

fill();
