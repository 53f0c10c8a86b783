//! Engine tests with in-process fakes of both connectors.
