'use strict';
// The real npm `memcached` client decides where each key goes; this only feeds it and writes
// down its choice (see ../README.md, "An oracle").
//
// The path a `get` takes in lib/memcached.js 2.2.2: get(key) builds a query whose key is
// namespace + key (namespace '' by default); command() validates it (a key with whitespace is
// refused; one over maxKeySize 250 UTF-16 units is replaced by its MD5 hex in the COMMAND
// TEXT only: query.key, which picks the server, stays the original key); then one server ->
// that server without hashing, else this.HashRing.get(query.key), the ring of hashring 3.2
// built with {compatibility: 'ketama', 'default port': 11211}; then this.connect(server, ...).
// We replace connect on the instance by a recorder, so every step before it is the client's.
const fs = require('fs');
const path = require('path');
// The client pinned in package.json, from node_modules beside this file.
const Memcached = require('memcached');

function fail(code, msg) {
    process.stderr.write(`node-memcached oracle: ${msg}\n`);
    process.exit(code);
}

const [flavor, listFile, keysFile, outFile] = process.argv.slice(2);
if (flavor !== 'node-memcached' || !outFile) {
    fail(2, 'usage: oracle node-memcached LIST KEYS OUT');
}

// The list as an application writes it for this client: {'host:port': weight}. A repeated
// address is one property of the object: its last weight, at its first place.
const servers = {};
for (const line of fs.readFileSync(listFile, 'utf8').split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    servers[fields[0]] = fields.length > 1 ? Number(fields[1]) : 1;
}

let client;
try {
    client = new Memcached(servers, {});
} catch (e) {
    fail(78, `the client refuses the list: ${e.message}`);
}
let picked;
client.connect = function record(server) { picked = server; };

const keys = fs.readFileSync(keysFile, 'utf8').split('\n');
if (keys[keys.length - 1] === '') keys.pop();
const out = [];
for (const key of keys) {
    picked = undefined;
    let refused;
    client.get(key, (err) => { refused = err; });
    if (picked === undefined) {
        fail(78, `the client sends key ${JSON.stringify(key)} nowhere: ${refused ? refused.message : 'no server'}`);
    }
    out.push(`${key}\t${picked}\n`);
}
fs.writeFileSync(outFile, out.join(''));
