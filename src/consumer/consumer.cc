#include "consumer/consumer.h"
