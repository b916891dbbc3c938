//===- NpyTest.cpp - the .npy reader and writer of TesseraToolSupport -----===//

#include "TestModules.h"

#include "tools/common/Npy.h"

#include "gtest/gtest.h"

#include <cstring>

namespace tessera::test {
namespace {

using tools::NpyArray;
using tools::NpyDType;

/// A .npy file with `header` (padded as NumPy does) followed by `data` bytes.
std::vector<char> npyFile(const std::string &header, size_t dataBytes, uint8_t major = 1) {
  size_t prefix = 6 + 2 + (major == 1 ? 2 : 4);
  std::string padded = header;
  while ((prefix + padded.size() + 1) % 64)
    padded += ' ';
  padded += '\n';
  std::vector<char> bytes = {'\x93', 'N', 'U', 'M', 'P', 'Y', char(major), 0};
  for (size_t i = 0; i < prefix - 8; ++i)
    bytes.push_back(char((padded.size() >> (8 * i)) & 0xff));
  bytes.insert(bytes.end(), padded.begin(), padded.end());
  bytes.insert(bytes.end(), dataBytes, '\0');
  return bytes;
}

std::string readError(const std::vector<char> &bytes) {
  std::string path = tempPath("input.npy"), error;
  writeFile(path, bytes);
  NpyArray array;
  EXPECT_FALSE(tools::readNpy(path, array, error));
  EXPECT_EQ(error.rfind(path, 0), 0u) << "the message names the file: " << error;
  return error;
}

TEST(Npy, WritesWhatNumPyWrites) {
  std::string path = tempPath("x.npy"), error;
  float data[6] = {1, 2, 3, 4, 5, 6};
  ASSERT_TRUE(tools::writeNpy(path, NpyDType::f32, {2, 3}, data, sizeof(data), error)) << error;
  // numpy.save(np.arange(1, 7, dtype='<f4').reshape(2, 3)) writes this header.
  std::vector<char> expected =
      npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0);
  std::vector<char> bytes = readFile(path);
  ASSERT_EQ(bytes.size(), expected.size() + sizeof(data));
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), bytes.begin()));
  EXPECT_EQ(std::memcmp(bytes.data() + expected.size(), data, sizeof(data)), 0);
}

TEST(Npy, RoundTripsEveryDTypeAndRank) {
  struct Case {
    NpyDType dtype;
    std::vector<int64_t> shape;
  };
  for (const Case &c : {Case{NpyDType::f32, {}}, Case{NpyDType::f64, {5}},
                        Case{NpyDType::f16, {2, 3}}, Case{NpyDType::i64, {1, 2, 2}},
                        Case{NpyDType::i32, {0, 4}}, Case{NpyDType::i16, {3}},
                        Case{NpyDType::i8, {4}}, Case{NpyDType::u8, {2, 2}},
                        Case{NpyDType::bool_, {3}}, Case{NpyDType::u16, {2}},
                        Case{NpyDType::u32, {3, 1}}, Case{NpyDType::u64, {2}}}) {
    size_t bytes = tools::npyItemSize(c.dtype);
    for (int64_t dim : c.shape)
      bytes *= size_t(dim);
    std::vector<uint8_t> data(bytes);
    for (size_t i = 0; i < bytes; ++i)
      data[i] = c.dtype == NpyDType::bool_ ? uint8_t(i % 2) : uint8_t(i * 7 + 1);
    std::string path = tempPath(std::string("roundtrip-") + tools::npyDescr(c.dtype)[1] +
                                tools::npyDescr(c.dtype)[2] + ".npy"),
                error;
    ASSERT_TRUE(tools::writeNpy(path, c.dtype, c.shape, data.data(), bytes, error)) << error;
    NpyArray array;
    ASSERT_TRUE(tools::readNpy(path, array, error)) << error;
    EXPECT_EQ(array.dtype, c.dtype);
    EXPECT_EQ(array.shape, c.shape);
    ASSERT_EQ(array.data.size(), bytes);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(array.data.data()) % 64, 0u);
    if (bytes) {
      EXPECT_EQ(std::memcmp(array.data.data(), data.data(), bytes), 0)
          << tools::npyDescr(c.dtype);
    }
  }
}

TEST(Npy, ReadsVersion2AndPython2Headers) {
  std::string path = tempPath("v2.npy"), error;
  writeFile(path, npyFile("{\"shape\": (3L,), \"fortran_order\": False, \"descr\": \"<i4\"}", 12,
                          /*major=*/2));
  NpyArray array;
  ASSERT_TRUE(tools::readNpy(path, array, error)) << error;
  EXPECT_EQ(array.dtype, NpyDType::i32);
  EXPECT_EQ(array.shape, std::vector<int64_t>{3});
}

TEST(Npy, RejectsWhatItCannotRead) {
  const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  EXPECT_NE(readError({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0}).find("magic"), std::string::npos);
  EXPECT_NE(readError({'\x93', 'N'}).find("shorter"), std::string::npos);
  EXPECT_NE(readError(npyFile(good, 8, /*major=*/3)).find("version 3.0"), std::string::npos);
  EXPECT_NE(readError(npyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8))
                .find("'>f4' (big-endian)"),
            std::string::npos);
  EXPECT_NE(readError(npyFile("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16))
                .find("unsupported dtype '<c8'"),
            std::string::npos);
  EXPECT_NE(readError(npyFile("{'descr': [('a', '<f4')], 'fortran_order': False, "
                              "'shape': (2,), }",
                              8))
                .find("structured"),
            std::string::npos);
  EXPECT_NE(readError(npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16))
                .find("Fortran order"),
            std::string::npos);
  EXPECT_NE(readError(npyFile(good, 7)).find("needs 8 data bytes, the file has 7 (truncated?)"),
            std::string::npos);
  EXPECT_NE(readError(npyFile(good, 9)).find("the file has 9"), std::string::npos);
  EXPECT_NE(readError(npyFile("{'descr': '<f4', 'shape': (2,), }", 8)).find("no 'fortran_order'"),
            std::string::npos);
  EXPECT_NE(readError(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), "
                              "'extra': 1}",
                              8))
                .find("unexpected key 'extra'"),
            std::string::npos);
  EXPECT_NE(readError(npyFile("{'descr': '<f4', 'fortran_order': False, "
                              "'shape': (99999999999, 99999999999), }",
                              0))
                .find("too large"),
            std::string::npos);
  EXPECT_NE(readError(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", 0))
                .find("'shape'"),
            std::string::npos);

  std::vector<char> longHeader = npyFile(good, 8);
  longHeader[8] = char(0xff);
  longHeader[9] = char(0xff);
  EXPECT_NE(readError(longHeader).find("runs past the end"), std::string::npos);
}

TEST(Npy, WriteChecksTheByteCount) {
  std::string error;
  float data[2] = {0, 0};
  EXPECT_FALSE(tools::writeNpy(tempPath("short.npy"), NpyDType::f32, {3}, data, 8, error));
  EXPECT_NE(error.find("is 12 bytes, but 8 were given"), std::string::npos) << error;
  EXPECT_FALSE(tools::writeNpy(tempPath("missing-dir/x.npy"), NpyDType::f32, {2}, data, 8, error));
  EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
}

} // namespace
} // namespace tessera::test
