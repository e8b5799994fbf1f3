// Latency histogram with log-linear buckets (the HdrHistogram layout): values below 128 are
// exact, larger ones keep 6 significant bits, so any recorded value is within 1/64 of the truth.
#pragma once

#include <array>
#include <cstdint>

namespace notify::bench {

class LatencyHistogram {
public:
    void record(std::uint64_t value);
    void merge(const LatencyHistogram& other);

    std::uint64_t count() const { return count_; }
    std::uint64_t max() const { return max_; }
    std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
    double mean() const;
    // The smallest bucket bound at or above the given fraction of recorded values (0..1).
    std::uint64_t percentile(double fraction) const;

private:
    static constexpr unsigned exact_limit_bits = 7;  // values < 128 have their own bucket
    static constexpr unsigned half_bucket_count = 1u << (exact_limit_bits - 1);
    static constexpr std::size_t bucket_count =
        (1u << exact_limit_bits) + (64 - exact_limit_bits) * half_bucket_count;

    static std::size_t bucket_of(std::uint64_t value);
    static std::uint64_t upper_bound_of(std::size_t bucket);

    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    long double sum_ = 0;
};

}  // namespace notify::bench
