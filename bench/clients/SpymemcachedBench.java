// ns/key of spymemcached's own lookup (Debian's libspymemcached-java), on one server list and
// key file:
//
//     java -cp /usr/share/java/spymemcached.jar bench/clients/SpymemcachedBench.java LIST KEYS_FILE REPS
//
// (Java 11+ compiles a single source file in memory; javac -d DIR then java -cp jar:DIR
// SpymemcachedBench does the same.) KetamaNodeLocator.getPrimary(key), key by key: what
// MemcachedConnection asks to place a key (KetamaConnectionFactory's defaults: KETAMA_HASH, key
// format SPYMEMCACHED, no weights), over stand-in nodes (the locator only asks their address).
// Warm-up passes for a second first (the JIT compiles the path), then the best of REPS passes
// (the other passes measure the neighbours).
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import net.spy.memcached.AddrUtil;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.KetamaNodeLocator;
import net.spy.memcached.MemcachedNode;

public final class SpymemcachedBench {
    // Where the look-ups' sum goes: a volatile write the JIT cannot drop.
    static volatile long kept;

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java -cp spymemcached.jar SpymemcachedBench.java LIST KEYS_FILE REPS");
            System.exit(2);
        }
        int reps = Math.max(1, args.length > 2 ? Integer.parseInt(args[2]) : 5);
        List<MemcachedNode> nodes = new ArrayList<>();
        for (String raw : Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8)) {
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).trim();
            if (!line.isEmpty()) nodes.add(node(address(line.split("\\s+")[0])));
        }
        List<String> keyList = new ArrayList<>();
        for (String k : new String(Files.readAllBytes(Paths.get(args[1])), StandardCharsets.UTF_8).split("\n")) {
            if (!k.isEmpty()) keyList.add(k);
        }
        String[] keys = keyList.toArray(new String[0]);
        KetamaNodeLocator locator = new KetamaNodeLocator(nodes, DefaultHashAlgorithm.KETAMA_HASH);

        long sink = 0;
        long warm = System.nanoTime();
        for (int pass = 0; pass < 100000 && System.nanoTime() - warm < 1_000_000_000L; pass++) {
            sink += pass(locator, keys);
        }
        long best = Long.MAX_VALUE;
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            sink += pass(locator, keys);
            best = Math.min(best, System.nanoTime() - t0);
        }
        kept = sink;
        System.out.printf("java %s, spymemcached (%s); %d servers (%s), %d keys, best of %d%n",
            System.getProperty("java.version"),
            KetamaNodeLocator.class.getProtectionDomain().getCodeSource().getLocation().getPath(),
            nodes.size(), Paths.get(args[0]).getFileName(), keys.length, reps);
        System.out.printf("spymemcached single: %.1f ns/key%n", (double) best / keys.length);
    }

    // One pass over every key; the sum keeps the JIT from dropping the look-ups.
    static long pass(KetamaNodeLocator locator, String[] keys) {
        long sum = 0;
        for (String k : keys) sum += System.identityHashCode(locator.getPrimary(k));
        return sum;
    }

    // IP literals through spymemcached's own parser (no DNS for them); a host name unresolved.
    static InetSocketAddress address(String addr) {
        int colon = addr.lastIndexOf(':');
        String host = colon > 0 ? addr.substring(0, colon) : addr;
        int port = colon > 0 ? Integer.parseInt(addr.substring(colon + 1)) : 11211;
        if (host.matches("\\d{1,3}(\\.\\d{1,3}){3}|\\[[0-9A-Fa-f:.]+\\]")) return AddrUtil.getAddresses(host + ":" + port).get(0);
        return InetSocketAddress.createUnresolved(host, port);
    }

    static MemcachedNode node(InetSocketAddress sa) {
        return (MemcachedNode) Proxy.newProxyInstance(MemcachedNode.class.getClassLoader(),
            new Class<?>[] {MemcachedNode.class}, (proxy, m, a) -> {
                switch (m.getName()) {
                    case "getSocketAddress": return sa;
                    case "hashCode": return System.identityHashCode(proxy);
                    case "equals": return proxy == a[0];
                    case "toString": return String.valueOf(sa);
                    default: throw new UnsupportedOperationException("MemcachedNode." + m.getName());
                }
            });
    }
}
