# The dalli oracle: asks Debian's dalli (ruby-dalli: 3.0.6 on Ruby 3.1 in Debian 12, 3.2.8 on
# Ruby 3.3 in Debian 13) which server its ring gives each key.
#   ruby oracle.rb FLAVOR LIST KEYS OUT   (FLAVOR: dalli on Ruby 3.3 or later, else dalli-ruby3.2)
#   ruby oracle.rb --flavor               (prints that FLAVOR)
# The client is built as an application builds it (Dalli::Client.new(['host:port:weight', ...]))
# and asked as Client#get asks: the client's KeyManager transforms the key (namespace, keys over
# 250 characters shortened), then its Dalli::Ring picks the server. No connection is made: every
# server answers alive? with true (the ring's own choice, no failover). DALLI_NAMESPACE, when
# set, is passed as the client's :namespace option.
begin
  require 'dalli'
rescue LoadError
  warn 'dalli oracle: install the Debian package ruby-dalli'
  exit 77
end

def refuse(why)
  warn "dalli oracle: #{why}"
  exit 78
end

# Where Ruby's sort_by leaves equal points changed in Ruby 3.3 (its own introsort, before it
# glibc's stable qsort_r): the flavor of this Ruby.
RUBY_FLAVOR = Gem::Version.new(RUBY_VERSION) >= Gem::Version.new('3.3') ? 'dalli' : 'dalli-ruby3.2'

if ARGV == ['--flavor']
  puts RUBY_FLAVOR
  exit
end
flavor, list, keys_file, out = ARGV
unless ARGV.size == 4 && flavor == RUBY_FLAVOR
  warn "usage: oracle #{RUBY_FLAVOR} LIST KEYS OUT (Ruby #{RUBY_VERSION} sorts as #{RUBY_FLAVOR})"
  exit 2
end

# Servers as the list spells them, and the "host:port:weight" a dalli user writes for each (the
# weight needs the port field before it; dalli's own default port fills it when the list has none).
spellings = []
configs = []
File.foreach(list, encoding: 'UTF-8') do |raw|
  fields = raw.sub(/#.*/, '').split
  next if fields.empty?

  addr, weight = fields
  begin
    has_port = Dalli::Protocol::ServerConfigParser.deconstruct_string(addr)[3]
  rescue Dalli::DalliError => e
    refuse("dalli refuses #{addr}: #{e.message}")
  end
  spellings << addr
  # A UNIX socket ("/path") takes "/path:weight"; a TCP server without a port takes dalli's default.
  port = has_port || addr.start_with?('/') ? '' : ":#{Dalli::Protocol::ServerConfigParser::DEFAULT_PORT}"
  configs << "#{addr}#{port}:#{weight || 1}"
end

options = {}
options[:namespace] = ENV['DALLI_NAMESPACE'] if ENV['DALLI_NAMESPACE']
begin
  client = Dalli::Client.new(configs, options)
  # Client#ring builds the Dalli::Protocol::Binary servers and the Ring (continuum) on first use.
  ring = client.send(:ring)
rescue StandardError => e
  refuse("dalli refuses the list: #{e.class}: #{e.message}")
end
key_manager = client.instance_variable_get(:@key_manager)

# Which list spelling a server object stands for (by identity: two equal addresses are two servers).
spelling_of = {}.compare_by_identity
ring.servers.each_with_index do |server, i|
  spelling_of[server] = spellings[i]
  # alive? would connect; the ring's choice for a live server is what we want.
  server.define_singleton_method(:alive?) { true }
end

File.open(out, 'wb') do |o|
  File.binread(keys_file).split("\n").each_with_index do |raw, i|
    # Ruby applications hand dalli UTF-8 strings; KeyManager counts the length in characters.
    key = raw.dup.force_encoding(Encoding::UTF_8)
    begin
      server = ring.server_for_key(key_manager.validate_key(key))
    rescue StandardError => e
      refuse("key #{i + 1}: #{e.class}: #{e.message}")
    end
    o.write(raw, "\t", spelling_of.fetch(server), "\n")
  end
end
