# The Ruby service of the mixed-fleet tests (python/tests/test_fleets.py): Debian's dalli
# (ruby-dalli) stores keys as an application does, through Dalli::Client, then reads them all
# back through the same client.
#
#   ruby dalli_writer.rb PREFIX COUNT HOST:PORT:WEIGHT...
#
# Keys are PREFIX0 .. PREFIX<COUNT-1>, each with the value "value:" + key, stored raw (no
# Marshal) so that any client reads the bytes. Prints "N stored, N read back"; exits 1 unless
# every key was.
require 'dalli'

prefix, count, *servers = ARGV
abort 'usage: dalli_writer.rb PREFIX COUNT HOST:PORT:WEIGHT...' if servers.empty?
Dalli.logger.level = Logger::WARN
client = Dalli::Client.new(servers, socket_timeout: 5)
keys = Array.new(Integer(count)) { |i| "#{prefix}#{i}" }
stored = 0
keys.each_slice(500) do |slice|
  stored += slice.count { |key| client.set(key, "value:#{key}", 0, raw: true) }
end
read = keys.each_slice(500).sum do |slice|
  client.get_multi(slice).count { |key, value| value == "value:#{key}" }
end
client.close
puts "#{stored} stored, #{read} read back"
exit(stored == keys.size && read == keys.size ? 0 : 1)
