// The Java service of the mixed-fleet tests (python/tests/test_fleets.py): Debian's spymemcached
// (libspymemcached-java) stores keys as an application does, through MemcachedClient with a
// KetamaConnectionFactory, then reads them all back through the same client.
//
//   java -cp spymemcached.jar:DIR SpyWriter plain|weighted PREFIX COUNT HOST:PORT:WEIGHT...
//
// Keys are PREFIX0 .. PREFIX<COUNT-1>, each with the value "value:" + key. `plain` is
// KetamaConnectionFactory's defaults (the weights unused), `weighted` passes the weights map
// (spymemcached 2.12+). Prints "N stored, N read back"; exits 1 unless every key was.
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import net.spy.memcached.AddrUtil;
import net.spy.memcached.ConnectionFactory;
import net.spy.memcached.DefaultConnectionFactory;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.KetamaConnectionFactory;
import net.spy.memcached.KetamaNodeKeyFormatter;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.internal.OperationFuture;

public final class SpyWriter {
    private static final long WAIT_SECONDS = 30;

    public static void main(String[] args) throws Exception {
        if (args.length < 4 || !(args[0].equals("plain") || args[0].equals("weighted"))) {
            System.err.println("usage: SpyWriter plain|weighted PREFIX COUNT HOST:PORT:WEIGHT...");
            System.exit(2);
        }
        String prefix = args[1];
        int count = Integer.parseInt(args[2]);
        List<InetSocketAddress> servers = new ArrayList<>();
        Map<InetSocketAddress, Integer> weights = new HashMap<>();
        for (int i = 3; i < args.length; i++) {
            int colon = args[i].lastIndexOf(':');
            InetSocketAddress address = AddrUtil.getAddresses(args[i].substring(0, colon)).get(0);
            servers.add(address);
            weights.put(address, Integer.parseInt(args[i].substring(colon + 1)));
        }
        ConnectionFactory factory = args[0].equals("plain")
            ? new KetamaConnectionFactory()
            : new KetamaConnectionFactory(DefaultConnectionFactory.DEFAULT_OP_QUEUE_LEN,
                DefaultConnectionFactory.DEFAULT_READ_BUFFER_SIZE,
                DefaultConnectionFactory.DEFAULT_OP_QUEUE_MAX_BLOCK_TIME,
                DefaultHashAlgorithm.KETAMA_HASH, KetamaNodeKeyFormatter.Format.SPYMEMCACHED, weights);
        MemcachedClient client = new MemcachedClient(factory, servers);
        try {
            List<OperationFuture<Boolean>> sets = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = prefix + i;
                sets.add(client.set(key, 0, "value:" + key));
            }
            int stored = 0;
            for (OperationFuture<Boolean> set : sets) {
                if (set.get(WAIT_SECONDS, TimeUnit.SECONDS)) stored++;
            }
            int read = 0;
            for (int i = 0; i < count; i++) {
                String key = prefix + i;
                if (("value:" + key).equals(client.get(key))) read++;
            }
            System.out.println(stored + " stored, " + read + " read back");
            if (stored != count || read != count) System.exit(1);
        } finally {
            client.shutdown(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }
}
