//! CloudFormation intrinsics -> `Doc`/`Value` (to be written).
