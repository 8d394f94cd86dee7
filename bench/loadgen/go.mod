module oauth2-demo.local/bench/loadgen

go 1.24.0
