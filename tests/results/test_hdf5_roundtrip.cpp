// Every column of a real run survives write → close → reopen → read, with its dims and attributes;
// files are netCDF-style (dimension scales on every axis).
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include "cell_summary.h"
#include "experiments.h"
#include "hdf5_io.h"
#include "results_schema.h"
#include "temp_dir.h"
#include "training.h"

namespace perfgen {
namespace {

ColumnGroup small_run_columns(const Plan& plan) {
  const testing::TrainedTrials run = testing::train_trials(plan);
  return trial_columns(plan, run.trials, run.outcomes);
}

void expect_same_column(const Column& a, const Column& b) {
  SCOPED_TRACE(a.name);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.dims, b.dims);
  EXPECT_EQ(a.shape, b.shape);
  EXPECT_EQ(a.long_name, b.long_name);
  EXPECT_EQ(a.units, b.units);
  EXPECT_EQ(a.flag_values, b.flag_values);
  EXPECT_EQ(a.flag_meanings, b.flag_meanings);
  EXPECT_EQ(a.integer, b.integer);
  ASSERT_EQ(a.real.size(), b.real.size());
  if (!a.real.empty())  // NaN padding too; memcmp of two null pointers is undefined
    EXPECT_EQ(std::memcmp(a.real.data(), b.real.data(), a.real.size() * sizeof(double)), 0);
}

TEST(Hdf5RoundTrip, EveryTrialAndCellColumn) {
  testing::TempDir dir;
  // Two widths so that C, theta0 and theta carry NaN padding.
  const Experiment e = testing::experiment_from(R"(
[data]
distribution = "uniform"
[train]
max_iters = 500
[sweep]
width = [1, 3]
n = [3, 4]
data_seed = [0, 1]
)");
  const Plan plan(e);
  const ColumnGroup trials = small_run_columns(plan);
  const ColumnGroup cells = cell_columns(plan, trials);
  FileAttributes attributes;
  attributes.text = {{"config", e.resolved_toml}, {"backend", "cpu"}};
  attributes.numbers = {{"wall_seconds", 2.5}};
  attributes.integers = {{"schema_version", 1}};
  const std::string path = dir.file("roundtrip.h5");
  write_hdf5(path, attributes, {trials, cells}, StorageLayout{3, 4});

  for (const ColumnGroup* written : {&trials, &cells}) {
    const ColumnGroup read = read_hdf5_group(path, written->name);
    for (const Column& c : written->columns) {
      const Column* back = read.find(c.name);
      ASSERT_NE(back, nullptr) << c.name;
      expect_same_column(c, *back);
    }
  }
  {  // text attributes are variable-length strings (h5py gives str, not bytes)
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t attr = H5Aopen(file, "backend", H5P_DEFAULT);
    const hid_t type = H5Aget_type(attr);
    EXPECT_GT(H5Tis_variable_str(type), 0);
    EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8);
    H5Tclose(type);
    H5Aclose(attr);
    H5Fclose(file);
  }
  const FileAttributes back = read_hdf5_attributes(path);
  EXPECT_EQ(back.text_of("config"), e.resolved_toml);
  EXPECT_EQ(back.numbers, attributes.numbers);
  EXPECT_EQ(back.integers, attributes.integers);
  // Index coordinates of the second axes exist as dimension scales.
  const ColumnGroup read = read_hdf5_group(path, "trials");
  EXPECT_EQ(read.at("neuron").shape, std::vector<std::size_t>{3});
  EXPECT_EQ(read.at("param").shape, std::vector<std::size_t>{9});
  EXPECT_EQ(read.at("theta").dims, (std::vector<std::string>{"trial", "param"}));
}

// /trials keeps each trial's requested c_tilde beside the measured one: exactly the axis value, to
// select on (the measured one of 0.5 may be 0.4999999999999999); NaN where c_tilde is not controlled.
TEST(Hdf5RoundTrip, TrialsKeepTheRequestedCTildeToSelectOn) {
  testing::TempDir dir;
  const Experiment e = testing::experiment_from(
      "[train]\nmax_iters = 10\n[sweep]\nn = [3, 5]\n"
      "c_tilde = [0.0, 0.3, 0.5, 0.7, 1.0]\ndata_seed = [0, 1]\n");
  const Plan plan(e);
  write_hdf5(dir.file("requested.h5"), {}, {small_run_columns(plan)}, StorageLayout{4, 1});
  const ColumnGroup trials = read_hdf5_group(dir.file("requested.h5"), "trials");
  const Column& requested = trials.at("c_tilde_requested");
  const Column& measured = trials.at("c_tilde");
  ASSERT_EQ(requested.rows(), 20u);
  for (std::size_t i = 0; i < requested.rows(); ++i) {
    const double axis_value = plan.cells()[trials.at("cell").integer[i]].c_tilde;
    EXPECT_EQ(requested.real[i], axis_value) << "trial " << i;
    EXPECT_NEAR(measured.real[i], axis_value, 1e-12) << "trial " << i;
  }
  EXPECT_EQ(std::count(requested.real.begin(), requested.real.end(), 0.5), 4);

  const Experiment uncontrolled = testing::experiment_from("[train]\nmax_iters = 10\n[sweep]\nn = [3, 5]\n");
  const Plan plain(uncontrolled);
  const ColumnGroup columns = small_run_columns(plain);
  for (const double value : columns.at("c_tilde_requested").real) EXPECT_TRUE(std::isnan(value));
}

// Rows [first, end) of every row column of g.
ColumnGroup rows_of(const ColumnGroup& g, std::size_t first, std::size_t end) {
  ColumnGroup part = g;
  for (Column& c : part.columns) {
    if (c.dims.front() != "trial") continue;
    const std::size_t width = c.row_width();
    if (c.is_real())
      c.real = std::vector<double>(g.at(c.name).real.begin() + first * width, g.at(c.name).real.begin() + end * width);
    else
      c.integer = std::vector<std::int64_t>(g.at(c.name).integer.begin() + first * width,
                                            g.at(c.name).integer.begin() + end * width);
    c.shape[0] = end - first;
  }
  return part;
}

TEST(Hdf5RoundTrip, AGroupWrittenAndReadByRowRanges) {
  testing::TempDir dir;
  const Experiment e = testing::experiment_from("[train]\nmax_iters = 100\n[sweep]\nwidth = [1, 2]\nn = [3, 4, 5]\n");
  const Plan plan(e);
  const ColumnGroup trials = small_run_columns(plan);
  ASSERT_EQ(trials.at("trial").rows(), 6u);
  {
    Hdf5Writer file(dir.file("pieces.h5"), StorageLayout{2, 1});
    file.begin_group(rows_of(trials, 4, 6), "trial", 6);
    for (const std::size_t first : {4, 0, 2}) file.write_rows(rows_of(trials, first, first + 2), first);  // any order
    file.close();
  }
  write_hdf5(dir.file("whole.h5"), {}, {trials}, StorageLayout{2, 1});
  const ColumnGroup whole = read_hdf5_group(dir.file("whole.h5"), "trials");
  const ColumnGroup pieces = read_hdf5_group(dir.file("pieces.h5"), "trials");
  ASSERT_EQ(pieces.columns.size(), whole.columns.size());
  for (const Column& c : whole.columns) expect_same_column(c, pieces.at(c.name));
  {  // chunks of 4 rows encoded on two threads, the last one cut short by the end of the data
    Hdf5Writer file(dir.file("chunks.h5"), StorageLayout{4, 1, 2});
    file.begin_group(rows_of(trials, 0, 4), "trial", 6);
    file.write_rows(rows_of(trials, 4, 6), 4);
    file.write_rows(rows_of(trials, 0, 4), 0);
    file.close();
  }
  const ColumnGroup chunks = read_hdf5_group(dir.file("chunks.h5"), "trials");
  for (const Column& c : whole.columns) expect_same_column(c, chunks.at(c.name));
  const ColumnGroup middle = read_hdf5_rows(dir.file("pieces.h5"), "trials", "trial", 1, 3);
  for (const Column& c : rows_of(whole, 1, 4).columns) expect_same_column(c, middle.at(c.name));
  EXPECT_EQ(middle.at("param").rows(), whole.at("param").rows()) << "index coordinates are read whole";
  EXPECT_THROW(read_hdf5_rows(dir.file("pieces.h5"), "trials", "trial", 5, 2), std::runtime_error);
  {  // write_next_rows: pieces of 1, 2 and 3 rows into chunks of 4, beside a second group
    Hdf5Writer file(dir.file("next.h5"), StorageLayout{4, 1, 2});
    file.begin_group(rows_of(trials, 0, 1), "trial", 6);
    ColumnGroup second = rows_of(trials, 0, 6);
    second.name = "again";
    file.begin_group(second, "trial", 6);
    file.write_rows(second, 0);
    for (const auto [first, end] : {std::pair{0, 1}, {1, 3}, {3, 6}}) file.write_next_rows(rows_of(trials, first, end));
    file.close();
  }
  for (const char* group : {"trials", "again"}) {
    const ColumnGroup next = read_hdf5_group(dir.file("next.h5"), group);
    for (const Column& c : whole.columns) expect_same_column(c, next.at(c.name));
  }
  Hdf5Writer short_file(dir.file("short.h5"), StorageLayout{4, 1, 2});
  short_file.begin_group(rows_of(trials, 0, 5), "trial", 6);
  short_file.write_next_rows(rows_of(trials, 0, 5));  // one row never comes
  EXPECT_THROW(short_file.close(), std::logic_error);
  EXPECT_THROW(short_file.write_next_rows(rows_of(trials, 0, 2)), std::logic_error) << "more rows than the group has";
}

TEST(Hdf5RoundTrip, SameInputsGiveTheSameBytes) {
  testing::TempDir dir;
  const Experiment e = testing::experiment_from("[train]\nmax_iters = 100\n[sweep]\nn = [3, 5]\n");
  const Plan plan(e);
  const ColumnGroup trials = small_run_columns(plan);
  write_hdf5(dir.file("a.h5"), {}, {trials}, StorageLayout{4, 1});
  write_hdf5(dir.file("b.h5"), {}, {small_run_columns(plan)}, StorageLayout{4, 1});
  auto bytes = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(bytes(dir.file("a.h5")), bytes(dir.file("b.h5")));
}

// Files written before 2026-12-01 hold fixed-length strings: still read, as summary and verify promise.
TEST(Hdf5, FixedLengthTextAttributesOfEarlierFilesAreRead) {
  testing::TempDir dir;
  const std::string path = dir.file("earlier.h5");
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t type = H5Tcopy(H5T_C_S1);
  const std::string value = "cpu";
  H5Tset_size(type, value.size());
  H5Tset_strpad(type, H5T_STR_NULLTERM);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(file, "backend", type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, type, value.c_str());
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  H5Fclose(file);
  const FileAttributes back = read_hdf5_attributes(path);
  EXPECT_EQ(back.text_of("backend"), "cpu");
}

// HDF5 keeps attributes without a checksum: a damaged byte in its heap changed a run's name in the
// summary's title. perfgen writes attributes_checksum after its attributes; one changed afterwards
// (here rewritten in place, as damage would) makes the file unreadable, naming the checksum.
TEST(Hdf5, AChangedRootAttributeIsRefused) {
  testing::TempDir dir;
  const std::string path = dir.file("changed.h5");
  FileAttributes attributes;
  attributes.text = {{"name", "default-example1"}, {"backend", "cpu"}};
  attributes.numbers = {{"wall_seconds", 2.5}};
  attributes.integers = {{"schema_version", 4}};
  write_hdf5(path, attributes, {}, StorageLayout{});
  EXPECT_EQ(read_hdf5_attributes(path).text, attributes.text);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  const hid_t attr = H5Aopen(file, "name", H5P_DEFAULT);
  const hid_t type = H5Aget_type(attr);
  const char* damaged =
      "default-exampl\xef\xbf\xbd"
      "1";  // a byte of the heap changed
  H5Awrite(attr, type, &damaged);
  H5Tclose(type);
  H5Aclose(attr);
  H5Fclose(file);
  try {
    read_hdf5_attributes(path);
    ADD_FAILURE() << "a changed attribute was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("do not match their attributes_checksum"), std::string::npos) << e.what();
  }
}

// HDF5 stores a text attribute as a C string: the checksum covers the text as stored, so a value
// holding a NUL reads back cut there, not as a damaged file.
TEST(Hdf5, TheChecksumCoversTextAsStored) {
  testing::TempDir dir;
  const std::string path = dir.file("nul.h5");
  FileAttributes attributes;
  attributes.text = {{"device", std::string("ab\0cd", 5)}};
  write_hdf5(path, attributes, {}, StorageLayout{});
  EXPECT_EQ(read_hdf5_attributes(path).text_of("device"), "ab");
}

// Attributes a reader added (h5py: f.attrs["tags"] = ["a", "b"]) are not perfgen's: arrays of strings
// or numbers and other types are passed over, not read into room for one value, and, created after
// attributes_checksum, they are not held to it.
TEST(Hdf5, RootAttributesPerfgenDoesNotWriteArePassedOver) {
  testing::TempDir dir;
  const std::string path = dir.file("annotated.h5");
  FileAttributes attributes;
  attributes.text = {{"backend", "cpu"}};
  attributes.numbers = {{"wall_seconds", 2.5}};
  write_hdf5(path, attributes, {}, StorageLayout{});
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  const hid_t strings = H5Tcopy(H5T_C_S1);
  H5Tset_size(strings, H5T_VARIABLE);
  const hsize_t four = 4;
  const hid_t space = H5Screate_simple(1, &four, nullptr);
  const char* tags[] = {"alpha", "beta", "gamma", "delta"};
  const hid_t text = H5Acreate2(file, "tags", strings, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(text, strings, tags);
  const double values[] = {1, 2, 3, 4};
  const hid_t numbers = H5Acreate2(file, "values", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(numbers, H5T_NATIVE_DOUBLE, values);
  const hid_t scalar = H5Screate(H5S_SCALAR);  // a single string, of the kind perfgen reads (h5py: attrs["note"] = "x")
  const hid_t note = H5Acreate2(file, "note", strings, scalar, H5P_DEFAULT, H5P_DEFAULT);
  const char* noted = "calibration run";
  H5Awrite(note, strings, &noted);
  for (hid_t id : {text, numbers, note}) H5Aclose(id);
  for (hid_t id : {space, scalar}) H5Sclose(id);
  H5Tclose(strings);
  H5Fclose(file);
  const FileAttributes back = read_hdf5_attributes(path);
  std::vector<std::pair<std::string, std::string>> expected = attributes.text;
  expected.emplace_back("note", "calibration run");  // read, and not held to attributes_checksum
  EXPECT_EQ(back.text, expected);
  EXPECT_EQ(back.numbers, attributes.numbers);
}

}  // namespace
}  // namespace perfgen
