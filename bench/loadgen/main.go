// Command loadgen sends requests at a constant rate (an open model, like wrk2) and reports latency
// percentiles measured from each request's scheduled start, so a stalled server cannot hide its
// queueing delay by slowing the load down (coordinated omission). Loopback targets only.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

type result struct {
	Requests    int     `json:"requests"`
	AchievedRPS float64 `json:"achieved_rps"`
	P50Ms       float64 `json:"p50_ms"`
	P90Ms       float64 `json:"p90_ms"`
	P99Ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	Non2xx      int     `json:"non2xx"`
	Errors      int     `json:"errors"`
}

func main() {
	target := flag.String("url", "", "URL to request (loopback only)")
	header := flag.String("header", "", "extra header, \"Name: value\"")
	rate := flag.Int("rate", 1000, "requests per second")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	inFlight := flag.Int("max-in-flight", 256, "requests in flight at most; more are counted as errors")
	flag.Parse()
	if err := checkLoopback(*target); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: *inFlight, MaxConnsPerHost: *inFlight},
	}
	name, value, _ := strings.Cut(*header, ":")

	var (
		mu        sync.Mutex
		latencies []float64
		non2xx    int
		errors    int
		wg        sync.WaitGroup
	)
	slots := make(chan struct{}, *inFlight)
	interval := time.Second / time.Duration(*rate)
	start := time.Now()
	total := int(duration.Seconds() * float64(*rate))
	for i := 0; i < total; i++ {
		scheduled := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(scheduled))
		select {
		case slots <- struct{}{}:
		default:
			mu.Lock()
			errors++
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			request, _ := http.NewRequest(http.MethodGet, *target, nil)
			if name != "" {
				request.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
			}
			response, err := client.Do(request)
			elapsed := float64(time.Since(scheduled).Microseconds()) / 1000
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errors++
				return
			}
			io.Copy(io.Discard, response.Body)
			response.Body.Close()
			if response.StatusCode < 200 || response.StatusCode > 299 {
				non2xx++
			}
			latencies = append(latencies, elapsed)
		}()
	}
	wg.Wait()
	sort.Float64s(latencies)
	out := result{
		Requests:    len(latencies),
		AchievedRPS: float64(len(latencies)) / time.Since(start).Seconds(),
		P50Ms:       percentile(latencies, 50),
		P90Ms:       percentile(latencies, 90),
		P99Ms:       percentile(latencies, 99),
		MaxMs:       percentile(latencies, 100),
		Non2xx:      non2xx,
		Errors:      errors,
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	index := int(p/100*float64(len(sorted))+0.999999) - 1
	if index < 0 {
		index = 0
	}
	if index >= len(sorted) {
		index = len(sorted) - 1
	}
	return sorted[index]
}

func checkLoopback(target string) error {
	parsed, err := url.Parse(target)
	if err != nil || parsed.Hostname() == "" {
		return fmt.Errorf("not a URL: %q", target)
	}
	ip := net.ParseIP(parsed.Hostname())
	if parsed.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s is not a loopback address: this tool loads only this machine", parsed.Hostname())
	}
	return nil
}
