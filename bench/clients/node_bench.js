'use strict';
// ns/key of the npm clients' own lookups, on one server list and key file:
//
//     node bench/clients/node_bench.js LIST KEYS_FILE REPS
//
// For each of the npm memcached client (2.2.2, its default ketama ring) and npm hashring
// (3.2.0, default options): `single`, what the client does to pick a server for one key (the
// memcached client: servers[0] alone, else this.HashRing.get(key); hashring: ring.get(key)),
// LRU answer cache included, as an application gets it; and `ring`, the ring without that
// cache (ring.find(ring.hashValue(key)): MD5 + binary search). The cache holds 5000 answers:
// up to 5000 keys `single` times cache hits, past it a pass over the keys misses every time.
// One pass first as warm-up (JIT, cache), then the best of REPS passes (the other passes
// measure the neighbours). The packages come from ../../clients/*/node_modules (run the
// oracles, or `npm ci` there, once).
const fs = require('fs');
const path = require('path');

const clients = path.join(__dirname, '..', '..', 'clients');
function need(dir, name) {
    try {
        return require(path.join(clients, dir, 'node_modules', name));
    } catch (e) {
        process.stderr.write(`node_bench: ${name} missing: run 'npm ci' in clients/${dir}\n`);
        process.exit(77);
    }
}
const Memcached = need('node-memcached', 'memcached');
const HashRing = need('hashring', 'hashring');

const [listFile, keysFile, repsArg] = process.argv.slice(2);
if (!keysFile) {
    process.stderr.write('usage: node bench/clients/node_bench.js LIST KEYS_FILE REPS\n');
    process.exit(2);
}
const reps = Math.max(1, Number(repsArg || 5));
const servers = {};
for (const line of fs.readFileSync(listFile, 'utf8').split('\n')) {
    const f = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (f.length) servers[f[0]] = f.length > 1 ? Number(f[1]) : 1;
}
const keys = fs.readFileSync(keysFile, 'utf8').split('\n');
if (keys[keys.length - 1] === '') keys.pop();

// Best ns/key of reps passes of fn over every key, after one warm-up pass.
function best(fn) {
    let sink = 0;
    const pass = () => {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < keys.length; i++) sink += fn(keys[i]).length;
        return Number(process.hrtime.bigint() - t0) / keys.length;
    };
    pass();
    let min = Infinity;
    for (let r = 0; r < reps; r++) min = Math.min(min, pass());
    if (sink < 0) console.log(sink); // keeps the answers alive
    return min.toFixed(1);
}

const client = new Memcached(servers, {});
const pick = (key) => (client.servers.length === 1 ? client.servers[0] : client.HashRing.get(key));
const mring = client.HashRing;
const ring = new HashRing(servers);

console.log(`node ${process.version}, memcached ${require(path.join(clients, 'node-memcached', 'node_modules', 'memcached', 'package.json')).version}, hashring ${HashRing.version}; ${Object.keys(servers).length} servers (${path.basename(listFile)}), ${keys.length} keys, best of ${reps}`);
console.log(`node-memcached single: ${best(pick)} ns/key`);
console.log(`node-memcached ring (no cache): ${best((k) => mring.ring[mring.find(mring.hashValue(k))].server)} ns/key`);
console.log(`hashring single: ${best((k) => ring.get(k))} ns/key`);
console.log(`hashring ring (no cache): ${best((k) => ring.ring[ring.find(ring.hashValue(k))].server)} ns/key`);
