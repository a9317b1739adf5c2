#ifndef JWTD_SERVER_UTIL_OVERLOADED_H_
#define JWTD_SERVER_UTIL_OVERLOADED_H_

namespace jwtd {

// Builds a visitor for std::visit from lambdas, one per alternative.
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace jwtd

#endif  // JWTD_SERVER_UTIL_OVERLOADED_H_
