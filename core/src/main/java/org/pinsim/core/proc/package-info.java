/**
 * fs/proc: the read-only views of the model, formatted as Linux 6.18 prints them
 * (/proc/PID/status, maps, smaps; /proc/meminfo, vmstat, buddyinfo). Entry point:
 * {@link org.pinsim.core.proc.ProcFs}.
 */
package org.pinsim.core.proc;
