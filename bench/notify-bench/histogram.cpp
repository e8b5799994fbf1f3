#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace notify::bench {

std::size_t LatencyHistogram::bucket_of(std::uint64_t value) {
    if (value < (1u << exact_limit_bits)) {
        return static_cast<std::size_t>(value);
    }
    const unsigned highest_bit = 63u - static_cast<unsigned>(std::countl_zero(value));
    const unsigned shift = highest_bit - (exact_limit_bits - 1);
    const std::uint64_t top = value >> shift;  // in [64, 128)
    return (1u << exact_limit_bits) + (shift - 1) * half_bucket_count +
           static_cast<std::size_t>(top - half_bucket_count);
}

std::uint64_t LatencyHistogram::upper_bound_of(std::size_t bucket) {
    if (bucket < (1u << exact_limit_bits)) {
        return bucket;
    }
    const std::size_t offset = bucket - (1u << exact_limit_bits);
    const unsigned shift = static_cast<unsigned>(offset / half_bucket_count) + 1;
    const std::uint64_t top = offset % half_bucket_count + half_bucket_count;
    return ((top + 1) << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t value) {
    ++buckets_[bucket_of(value)];
    ++count_;
    max_ = std::max(max_, value);
    min_ = std::min(min_, value);
    sum_ += static_cast<long double>(value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    for (std::size_t i = 0; i < bucket_count; ++i) {
        buckets_[i] += other.buckets_[i];
    }
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
    sum_ += other.sum_;
}

double LatencyHistogram::mean() const {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t LatencyHistogram::percentile(double fraction) const {
    if (count_ == 0) {
        return 0;
    }
    const auto wanted = static_cast<std::uint64_t>(
        std::ceil(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(count_)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += buckets_[i];
        if (seen >= std::max<std::uint64_t>(wanted, 1)) {
            return std::min(upper_bound_of(i), max_);
        }
    }
    return max_;
}

}  // namespace notify::bench
