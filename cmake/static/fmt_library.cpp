// The compiled part of {fmt} for the static program (cmake/static.cmake): Debian's libfmt-dev
// ships only the shared library, so this translation unit builds the functions libfmt.so would
// provide from fmt's own format-inl.h, plus the template instantiations the headers leave to it.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
template FMT_API auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;
}  // namespace detail
FMT_END_NAMESPACE
