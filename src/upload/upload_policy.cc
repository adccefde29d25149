#include "upload/upload_policy.h"
