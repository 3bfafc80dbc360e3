import DLCore
