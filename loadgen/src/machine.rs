//! The machine the figures were taken on, and process memory, from `/proc`.

use std::fmt;

/// Cores, memory and CPU model, as printed at the top of the table.
pub struct Machine {
    pub cores: usize,
    pub memory_kib: Option<u64>,
    pub cpu_model: String,
    /// The 1-minute load average when the run started: figures taken on a
    /// machine that is busy with something else are not comparable.
    pub load_average: Option<f64>,
}

impl Machine {
    pub fn detect() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let memory_kib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|text| field_kib(&text, "MemTotal:"));
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| cpu_model(&text))
            .unwrap_or_else(|| "unknown CPU".into());
        Self {
            cores,
            memory_kib,
            cpu_model,
            load_average: load_average(),
        }
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} cores", self.cores)?;
        if let Some(kib) = self.memory_kib {
            write!(f, ", {:.1} GiB RAM", kib as f64 / (1024.0 * 1024.0))?;
        }
        write!(f, ", {}", self.cpu_model)?;
        if let Some(load) = self.load_average {
            write!(f, "; load average {load:.2} at the start")?;
        }
        Ok(())
    }
}

/// The 1-minute load average (`/proc/loadavg`).
pub fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// The resident set size of a process, in KiB (`VmRSS` in its status).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    field_kib(&status, "VmRSS:")
}

/// CPU time (user + system) a process has used, in seconds: fields 14 and
/// 15 of `/proc/<pid>/stat`, in clock ticks of 1/100 s (Linux's `USER_HZ`
/// on every mainstream architecture).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    cpu_seconds_of(&stat)
}

fn cpu_seconds_of(stat: &str) -> Option<f64> {
    // The command name (field 2) may hold spaces; fields after it are plain.
    let (_, rest) = stat.rsplit_once(") ")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state), so field n is at index n - 3.
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some((user + system) as f64 / 100.0)
}

/// A `Name:   1234 kB` line of a `/proc` file, in KiB.
fn field_kib(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|line| line.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

fn cpu_model(cpuinfo: &str) -> Option<String> {
    let line = cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))?;
    let (_, model) = line.split_once(':')?;
    Some(model.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn proc_fields__are_read_in_kib() {
        let status = "Name:\tchat-server\nVmPeak:\t  9000 kB\nVmRSS:\t   12345 kB\n";
        assert_eq!(field_kib(status, "VmRSS:"), Some(12_345));
        assert_eq!(field_kib(status, "VmSwap:"), None);
        let cpuinfo = "processor\t: 0\nmodel name\t: Intel(R)  Xeon(R) Processor\n";
        assert_eq!(
            cpu_model(cpuinfo).as_deref(),
            Some("Intel(R) Xeon(R) Processor")
        );
    }

    #[test]
    fn own_rss_and_cpu__are_readable() {
        assert!(rss_kib(std::process::id()).is_some_and(|kib| kib > 0));
        assert!(cpu_seconds(std::process::id()).is_some());
        let stat = "42 (chat server) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 4 0";
        assert_eq!(cpu_seconds_of(stat), Some(3.0));
    }
}
