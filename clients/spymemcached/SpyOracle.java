// The spymemcached oracle: asks Debian's spymemcached (libspymemcached-java) which server its
// KetamaNodeLocator gives each key.   java -cp spymemcached.jar:build SpyOracle FLAVOR LIST KEYS OUT
//
// Flavors: spymemcached (KetamaConnectionFactory's defaults: KETAMA_HASH, key format
// SPYMEMCACHED, no weights) and spymemcached-weighted (the same with the weights map that
// KetamaConnectionFactory passes to the locator since spymemcached 2.12.0).
//
// spymemcached names a server by InetSocketAddress.toString() without its leading '/', so the
// name depends on the JVM and on DNS: "[::1]:11311" becomes "[0:0:0:0:0:0:0:1]:11311", a host
// name "localhost/127.0.0.1:11411" or "host/<unresolved>:11211". This oracle builds every
// address without DNS and asks the real key formatter for the name; when that name is not the
// list's spelling it exits 78 with the name to spell (the library hashes names as given).
// Lists may spell Java's own names ("name/1.2.3.4:P", "name/<unresolved>:P").
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import net.spy.memcached.AddrUtil;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.KetamaNodeKeyFormatter;
import net.spy.memcached.KetamaNodeLocator;
import net.spy.memcached.MemcachedNode;
import net.spy.memcached.util.StringUtils;

public final class SpyOracle {
    // IP literals: the JVM parses them without asking DNS (host names it would look up).
    private static final Pattern LITERAL =
        Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|\\[[0-9A-Fa-f:.]+\\]");

    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String why) { super(why); }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4 || !(args[0].equals("spymemcached") || args[0].equals("spymemcached-weighted"))) {
            System.err.println("usage: oracle spymemcached|spymemcached-weighted LIST KEYS OUT");
            System.exit(2);
        }
        try {
            run(args[0].equals("spymemcached-weighted"), args[1], args[2], args[3]);
        } catch (Refused e) {
            System.err.println("spymemcached oracle: " + e.getMessage());
            System.exit(78);
        }
    }

    static void run(boolean weighted, String list, String keysFile, String out) throws IOException, Refused {
        List<MemcachedNode> nodes = new ArrayList<>();
        // Which list spelling a node stands for: nodes are told apart by identity, as the real
        // client's nodes are (its MemcachedNode implementations keep Object's equals).
        Map<MemcachedNode, String> spelling = new IdentityHashMap<>();
        // Filled as an application fills it: put in list order (a repeated address keeps the last).
        Map<InetSocketAddress, Integer> weights = new HashMap<>();
        KetamaNodeKeyFormatter names = new KetamaNodeKeyFormatter(KetamaNodeKeyFormatter.Format.SPYMEMCACHED);

        for (String raw : Files.readAllLines(Paths.get(list), StandardCharsets.UTF_8)) {
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).trim();
            if (line.isEmpty()) continue;
            String[] f = line.split("\\s+");
            String addr = f[0];
            InetSocketAddress sa = address(addr);
            MemcachedNode node = node(sa);
            // The real formatter's point string for i = 0 is NAME-0: NAME is what gets hashed.
            String point0 = names.getKeyForNode(node, 0);
            String name = point0.substring(0, point0.length() - 2);
            if (!name.equals(addr)) {
                throw new Refused("spymemcached (Java " + System.getProperty("java.version") + ") names "
                    + addr + " \"" + name + "\", not as the list spells it: spell \"" + name + "\"");
            }
            if (weighted) {
                long w;
                try {
                    w = f.length > 1 ? Long.parseLong(f[1]) : 1;
                } catch (NumberFormatException e) {
                    throw new Refused("weight " + f[1] + " of " + addr + " is not an integer");
                }
                if (w > Integer.MAX_VALUE || w < Integer.MIN_VALUE) {
                    throw new Refused("weight " + w + " of " + addr + " does not fit the Integer of spymemcached's weights map");
                }
                weights.put(sa, (int) w);
            }
            nodes.add(node);
            spelling.put(node, addr);
        }

        if (weighted) {
            // The locator sums the weights (one map entry a node) in a Java int. Past 2^31 - 1 the
            // sum wraps: negative, every server gets no point (getPrimary then throws); 0 or a
            // small positive, a server's share overflows and its point count saturates at
            // Integer.MAX_VALUE (2^29 MD5s a server: the real client never finishes). Refused here.
            long sum = 0;
            for (MemcachedNode node : nodes) sum += weights.get((InetSocketAddress) node.getSocketAddress());
            if (sum > Integer.MAX_VALUE || sum < Integer.MIN_VALUE) {
                throw new Refused("the weights sum to " + sum + ", past the Java int spymemcached sums them in");
            }
        }
        KetamaNodeLocator locator;
        try {
            // What KetamaConnectionFactory.createLocator builds; with an empty map the locator is
            // the unweighted one (isWeightedKetama = !weights.isEmpty()).
            locator = new KetamaNodeLocator(nodes, DefaultHashAlgorithm.KETAMA_HASH,
                KetamaNodeKeyFormatter.Format.SPYMEMCACHED, weights);
        } catch (RuntimeException e) {
            throw new Refused("KetamaNodeLocator refuses the list: " + e);
        }

        byte[] all = Files.readAllBytes(Paths.get(keysFile));
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(Paths.get(out)))) {
            int start = 0;
            int n = 0;
            while (start < all.length) {
                int end = start;
                while (end < all.length && all[end] != '\n') end++;
                String key = utf8(all, start, end - start);
                n++;
                try {
                    // MemcachedConnection.enqueueOperation checks every key before it hashes it
                    // (text protocol, KetamaConnectionFactory's default): no key is ever shortened.
                    StringUtils.validateKey(key, false);
                } catch (IllegalArgumentException e) {
                    throw new Refused("spymemcached refuses key " + n + " (" + (end - start) + " bytes): " + e.getMessage());
                }
                MemcachedNode node;
                try {
                    node = locator.getPrimary(key);
                } catch (RuntimeException e) {
                    throw new Refused("getPrimary fails: " + e);
                }
                o.write(all, start, end - start);
                o.write('\t');
                o.write(spelling.get(node).getBytes(StandardCharsets.UTF_8));
                o.write('\n');
                start = end + 1;
            }
        }
    }

    // The InetSocketAddress an application gives spymemcached for ADDR, built without DNS.
    static InetSocketAddress address(String addr) throws Refused {
        int colon = addr.lastIndexOf(':');
        String host = colon > 0 ? addr.substring(0, colon) : addr;
        int slash = host.indexOf('/');
        if (slash > 0) {
            // Java's own name of an address: "name/<unresolved>:P" or "name/IP:P".
            int port = port(addr, colon);
            String name = host.substring(0, slash);
            String ip = host.substring(slash + 1);
            if (ip.equals("<unresolved>")) return InetSocketAddress.createUnresolved(name, port);
            if (!LITERAL.matcher(ip).matches()) throw new Refused(addr + ": after the '/' an IP address or <unresolved>");
            try {
                return new InetSocketAddress(InetAddress.getByAddress(name, InetAddress.getByName(ip).getAddress()), port);
            } catch (IOException e) {
                throw new Refused(addr + ": " + e);
            }
        }
        if (!LITERAL.matcher(host).matches()) {
            String port = colon > 0 ? addr.substring(colon) : ":11211";
            throw new Refused("spymemcached names the host " + addr + " by what the JVM's DNS says: \""
                + host + "/ADDRESS" + port + "\" once resolved (AddrUtil resolves), \"" + host
                + "/<unresolved>" + port + "\" when not (Java 14 and later): spell that name"
                + (colon > 0 ? "" : "; AddrUtil also refuses a server without a port"));
        }
        try {
            // The real parser (split at the last ':'; a missing port is refused); no DNS for a literal.
            return AddrUtil.getAddresses(addr).get(0);
        } catch (RuntimeException e) {
            throw new Refused("AddrUtil.getAddresses refuses " + addr + ": " + e.getMessage());
        }
    }

    static int port(String addr, int colon) throws Refused {
        try {
            return Integer.parseInt(addr.substring(colon + 1));
        } catch (RuntimeException e) {
            throw new Refused(addr + ": no port");
        }
    }

    // A stand-in for the client's connection to a server: the locator only asks its address;
    // any other call would be a surprise and fails loudly.
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

    static String utf8(byte[] b, int off, int len) throws Refused {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(b, off, len)).toString();
        } catch (CharacterCodingException e) {
            throw new Refused("a key is not UTF-8 (Java keys are Strings)");
        }
    }
}
