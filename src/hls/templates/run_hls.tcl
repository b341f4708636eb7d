# {{title}}
# Vitis HLS flow: C-simulation, synthesis and C/RTL co-simulation of the generated design.
#   vitis_hls -f run_hls.tcl
# INRARCH_USE_VITIS_HEADERS makes the kernel library use hls::stream, ap_fixed and hls_math.
# Note: Vitis's csim_design runs the dataflow processes one after the other over unbounded
# streams, so it cannot show FIFO deadlocks; `make run` here (bounded FIFOs) and cosim_design can.
open_project -reset inrarch_hls_prj
set_top inrarch_top
add_files model.cpp -cflags "-std=c++14 -Iinclude -I. -DINRARCH_USE_VITIS_HEADERS"
add_files -tb testbench.cpp -cflags "-std=c++14 -Iinclude -I. -DINRARCH_USE_VITIS_HEADERS"
open_solution -reset solution1 -flow_target vitis
set_part {{{part}}}
create_clock -period {{clock_ns}} -name default
csim_design
csynth_design
cosim_design
exit
