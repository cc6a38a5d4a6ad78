'use strict';
// npm hashring decides where each key goes; this only feeds it and writes down its choice
// (see ../README.md, "An oracle"). Default options: 40 vnodes, 4 replicas, md5, no default
// port (the address is hashed as given), an LRU cache of 5000 answers in front of get().
const fs = require('fs');
const path = require('path');
const HashRing = require(path.join(__dirname, 'node_modules', 'hashring'));

function fail(code, msg) {
    process.stderr.write(`hashring oracle: ${msg}\n`);
    process.exit(code);
}

const [flavor, listFile, keysFile, outFile] = process.argv.slice(2);
if (flavor !== 'hashring' || !outFile) {
    fail(2, 'usage: oracle hashring LIST KEYS OUT');
}

// The weighted form of the constructor: {'host:port': weight}. A repeated address is one
// property of the object: its last weight, at its first place.
const servers = {};
for (const line of fs.readFileSync(listFile, 'utf8').split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    servers[fields[0]] = fields.length > 1 ? Number(fields[1]) : 1;
}

const ring = new HashRing(servers);
const keys = fs.readFileSync(keysFile, 'utf8').split('\n');
if (keys[keys.length - 1] === '') keys.pop();
const out = [];
for (const key of keys) {
    const server = ring.get(key);
    if (server === undefined) {
        fail(78, `the ring answers no server for key ${JSON.stringify(key)} (${ring.size} points)`);
    }
    out.push(`${key}\t${server}\n`);
}
fs.writeFileSync(outFile, out.join(''));
