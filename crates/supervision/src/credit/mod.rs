//! Credit red and black lists (信用红黑名单) for joint reward and punishment (联合奖惩).
