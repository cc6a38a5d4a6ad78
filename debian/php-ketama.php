mod target/php-build/modules/ketama.so
mod php/ketama.ini
