import CFFTW
import Foundation
import Synchronization

/// FFTW "wisdom" (the plans ``FFTPlans/Rigor/measure`` and ``FFTPlans/Rigor/patient`` found)
/// kept in files, so that planning is paid once per machine rather than once per process.
///
/// One file per precision, `fftw-wisdom-f32.txt` and `fftw-wisdom-f64.txt`, in
/// ``FFTPlans/wisdomPath``. Every call runs under ``FFTPlanCache/planner``'s lock: FFTW's
/// wisdom functions share the planner's state and are not thread-safe.
enum FFTWisdom {
    struct State {
        /// The directory, or nil when wisdom files are off.
        var directory: String? = FFTWisdom.defaultDirectory()
        /// Precisions whose file has been read by this process (for the current directory).
        var loaded: Set<DType> = []
    }

    static let state = Mutex(State())

    /// `LAYERKIT_FFTW_WISDOM` if set (`off`, `0` or empty turn the files off), else
    /// `$XDG_CACHE_HOME/layerkit`, else `~/.cache/layerkit`.
    static func defaultDirectory() -> String? {
        if let value = environmentString("LAYERKIT_FFTW_WISDOM") {
            return ["", "0", "off", "none", "false"].contains(value.lowercased()) ? nil : value
        }
        if let xdg = environmentString("XDG_CACHE_HOME"), !xdg.isEmpty { return xdg + "/layerkit" }
        return FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/layerkit"
    }

    static func file(_ directory: String, _ dtype: DType) -> String {
        directory + (dtype == .float32 ? "/fftw-wisdom-f32.txt" : "/fftw-wisdom-f64.txt")
    }

    /// Reads the wisdom file of `dtype`'s precision once per process (a missing or unreadable
    /// file is ignored: FFTW then measures).
    static func load(_ dtype: DType) {
        let path: String? = state.withLock { s in
            guard let dir = s.directory, !s.loaded.contains(dtype) else { return nil }
            s.loaded.insert(dtype)
            return file(dir, dtype)
        }
        guard let path, FileManager.default.isReadableFile(atPath: path) else { return }
        FFTPlanCache.planner.withLock { _ in
            switch dtype {
            case .float32: _ = fftwf_import_wisdom_from_filename(path)
            case .float64: _ = fftw_import_wisdom_from_filename(path)
            case .int64, .int32, .uint8, .bool: break
            }
        }
    }

    /// Writes all of this process's wisdom of `dtype`'s precision (what it read plus what it
    /// measured) to the file, through a temporary file and a rename so that concurrent
    /// processes never read half a file. Failures (read-only home …) are ignored.
    static func save(_ dtype: DType) {
        guard let dir = state.withLock({ $0.directory }) else { return }
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = file(dir, dtype), temporary = path + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        let written = FFTPlanCache.planner.withLock { _ -> Bool in
            switch dtype {
            case .float32: fftwf_export_wisdom_to_filename(temporary) != 0
            case .float64: fftw_export_wisdom_to_filename(temporary) != 0
            case .int64, .int32, .uint8, .bool: false
            }
        }
        if written { _ = rename(temporary, path) } else { try? FileManager.default.removeItem(atPath: temporary) }
    }
}

extension FFTPlans {
    /// The directory where measured FFTW plans are kept between runs (as FFTW wisdom, one
    /// file per precision), or nil when they are not kept.
    ///
    /// The default is the `LAYERKIT_FFTW_WISDOM` environment variable (a directory; `off`
    /// turns the files off), else `$XDG_CACHE_HOME/layerkit`, else `~/.cache/layerkit`. Only
    /// ``Rigor/measure`` and ``Rigor/patient`` read and write it; the default
    /// ``Rigor/estimate`` never touches the disk.
    ///
    ///     FFTPlans.wisdomPath = nil                  // measure every run, keep nothing
    public static var wisdomPath: String? {
        get { FFTWisdom.state.withLock { $0.directory } }
        set {
            FFTWisdom.state.withLock { s in
                s.directory = newValue
                s.loaded = []
            }
        }
    }

    /// Forgets every plan FFTW has learnt in this process (its in-memory wisdom) and the
    /// cached plans; the files in ``wisdomPath`` stay, and are read again at the next
    /// measured plan.
    public static func forgetWisdom() {
        FFTPlanCache.cache.withLock { state in
            state.plans.removeAll()
            FFTPlanCache.planner.withLock { _ in
                fftw_forget_wisdom()
                fftwf_forget_wisdom()
            }
        }
        FFTWisdom.state.withLock { $0.loaded = [] }
    }
}

/// The value of the environment variable `name`, if set.
func environmentString(_ name: String) -> String? {
    ProcessInfo.processInfo.environment[name]
}
