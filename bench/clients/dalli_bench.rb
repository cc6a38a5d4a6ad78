# ns/key of dalli's own lookup (Debian's ruby-dalli), on one server list and key file:
#
#     ruby bench/clients/dalli_bench.rb LIST KEYS_FILE REPS
#
# Dalli::Ring#server_for_key(key), key by key, on the ring Dalli::Client builds from
# "host:port:weight" strings (default options: thread-safe servers). Each server holds a
# placeholder socket, so that its real alive? (through the Threadsafe lock) answers true at once,
# as for a connected server; nothing connects. Keys as given (no namespace, none over 250
# characters in clients/keys.py without --long). One pass first as warm-up, then the best of
# REPS passes (the other passes measure the neighbours).
require 'dalli'

list_file, keys_file, reps = ARGV
abort 'usage: ruby bench/clients/dalli_bench.rb LIST KEYS_FILE REPS' unless keys_file
reps = [Integer(reps || 5), 1].max

configs = File.readlines(list_file, encoding: 'UTF-8').filter_map do |raw|
  addr, weight = raw.sub(/#.*/, '').split
  next unless addr

  has_port = Dalli::Protocol::ServerConfigParser.deconstruct_string(addr)[3]
  "#{addr}#{has_port || addr.start_with?('/') ? '' : ':11211'}:#{weight || 1}"
end
keys = File.binread(keys_file).split("\n").map { |k| k.force_encoding(Encoding::UTF_8) }

ring = Dalli::Client.new(configs).send(:ring)
ring.servers.each { |s| s.instance_variable_set(:@sock, :placeholder) }

pass = lambda do
  t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
  keys.each { |k| ring.server_for_key(k) }
  (Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond) - t0).fdiv(keys.size)
end

pass.call # warm-up
best = Array.new(reps) { pass.call }.min
puts "ruby #{RUBY_VERSION}, dalli #{Dalli::VERSION}; #{configs.size} servers (#{File.basename(list_file)}), " \
     "#{keys.size} keys, best of #{reps}"
puts format('dalli single: %.1f ns/key', best)
