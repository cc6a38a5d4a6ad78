# Writes keys through Ruby dalli (Debian's ruby-dalli), as a Ruby application does: one
# Dalli::Client on the servers given, without failover (a key goes to its ring's server or the
# write fails), each key set to "dalli wrote KEY", raw (not marshalled) for any client to read.
# Prints how many keys dalli stored.
#
#     ruby dalli_write.rb KEYS HOST:PORT:WEIGHT...
require 'dalli'
require 'logger'

keys_file, *servers = ARGV
abort 'usage: ruby dalli_write.rb KEYS HOST:PORT:WEIGHT...' if servers.empty?
Dalli.logger = Logger.new($stderr, level: Logger::WARN)
client = Dalli::Client.new(servers, failover: false, socket_timeout: 5)
stored = 0
File.binread(keys_file).split("\n").each do |raw|
  # Ruby applications hand dalli UTF-8 strings.
  key = raw.dup.force_encoding(Encoding::UTF_8)
  stored += 1 if client.set(key, "dalli wrote #{raw}", 0, raw: true)
end
client.close
puts stored
