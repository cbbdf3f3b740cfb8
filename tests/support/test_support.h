// Every test helper at once, for the suites of the run part (which links every other part): the
// suites of a lower part include only the helpers of the parts they link (temp_dir.h, experiments.h,
// trials.h, training.h, result_files.h).
#pragma once

#include "experiments.h"
#include "result_files.h"
#include "temp_dir.h"
#include "training.h"
#include "trials.h"
