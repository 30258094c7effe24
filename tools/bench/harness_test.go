package bench

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestAlternate_Order(t *testing.T) {
	var calls []int
	side := func(i int) func(context.Context) error {
		return func(context.Context) error { calls = append(calls, i); return nil }
	}
	samples, err := Alternate(context.Background(), Plan{Warmup: 2, Runs: 3}, side(0), side(1))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1, 0, 1, 0, 1, 0, 1, 0, 1}; !slices.Equal(calls, want) {
		t.Fatalf("calls %v, want %v (2 warm-up + 3 timed rounds, alternating)", calls, want)
	}
	if len(samples) != 2 || len(samples[0]) != 3 || len(samples[1]) != 3 {
		t.Fatalf("samples %v, want 2 sides of 3", samples)
	}
}

func TestAlternate_Lead(t *testing.T) {
	var calls []int
	side := func(i int) func(context.Context) error {
		return func(context.Context) error { calls = append(calls, i); return nil }
	}
	samples, err := Alternate(context.Background(), Plan{Warmup: 1, Runs: 2, Lead: 1}, side(0), side(1))
	if err != nil {
		t.Fatal(err)
	}
	// Each turn: one untimed lead run, then the run (timed after warm-up).
	if want := []int{0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1}; !slices.Equal(calls, want) {
		t.Fatalf("calls %v, want %v", calls, want)
	}
	if len(samples[0]) != 2 || len(samples[1]) != 2 {
		t.Fatalf("samples %v, want 2 per side", samples)
	}
}

func TestAlternate_Error(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	_, err := Alternate(context.Background(), Plan{Warmup: 1, Runs: 2},
		func(context.Context) error { return nil },
		func(context.Context) error {
			if n++; n == 2 {
				return boom
			}
			return nil
		})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Alternate(ctx, Plan{Runs: 1}, func(context.Context) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v", err)
	}
}

func TestPlan_AutoRuns(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		name  string
		plan  Plan
		round time.Duration
		want  int
	}{
		{"fixed", Plan{Runs: 7, Budget: s, MinRuns: 5, MaxRuns: 30}, s, 7},
		{"fits budget", Plan{Budget: 10 * s, MinRuns: 5, MaxRuns: 30}, s / 2, 20},
		{"at least min", Plan{Budget: 10 * s, MinRuns: 5, MaxRuns: 30}, 4 * s, 5},
		{"at most max", Plan{Budget: 10 * s, MinRuns: 5, MaxRuns: 30}, time.Millisecond, 30},
		{"unknown round", Plan{Budget: 10 * s, MinRuns: 5, MaxRuns: 30}, 0, 30},
		{"max below min", Plan{Budget: 10 * s, MinRuns: 5, MaxRuns: 2}, s, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.plan.autoRuns(tc.round); got != tc.want {
				t.Fatalf("autoRuns(%v) = %d, want %d", tc.round, got, tc.want)
			}
		})
	}
}
