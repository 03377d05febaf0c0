# A table (a .tsv: one row a line, cells separated by tabs, lines starting with # are
# comments) as a C array: the clinic's rule tables, the cord model's fields. Each row becomes one initializer {cell, ...}: a cell is a C string
# where COLS says s, written as it stands where COLS says i (a number or an enum name). A row
# of zeros ends the array. A row with another number of cells stops the build.
#   cmake -DIN=T.tsv -DOUT=T.c -DCOLS=s,s,i -DTYPE=clinic_x -DNAME=clinic_xs -DHEADER=clinic_x.h
#         -P nm_table.cmake
# (the CMake function nm_table, in the top-level CMakeLists.txt, runs it at build time).
cmake_minimum_required(VERSION 3.13)
file(READ "${IN}" t)
string(REGEX REPLACE "\n#[^\n]*" "" t "\n${t}\n")
string(REGEX REPLACE "^\n+" "" t "${t}")
string(REGEX REPLACE "\n\n+" "\n" t "${t}")
string(REPLACE "\\" "\\\\" t "${t}")
string(REPLACE "\"" "\\\"" t "${t}")
string(REPLACE "," ";" cols "${COLS}")
list(LENGTH cols ncols)
set(re "")
set(row "    {")
set(k 1)
foreach(c IN LISTS cols)
  if(k GREATER 1)
    string(APPEND re "\t")
    string(APPEND row ", ")
  endif()
  string(APPEND re "([^\t\n]*)")
  if(c STREQUAL "s")
    string(APPEND row "\"\\${k}\"")
  elseif(c STREQUAL "i")
    string(APPEND row "\\${k}")
  else()
    message(FATAL_ERROR "nm_table.cmake: COLS has '${c}'; each column is s or i")
  endif()
  math(EXPR k "${k} + 1")
endforeach()
string(REGEX REPLACE "${re}\n" "${row}},\n" t "${t}")
# Every row is an initializer now, unless it had another number of cells.
string(REGEX MATCH "(^|\n)(    [^{]|[^ \n])[^\n]*" bad "${t}")
if(bad)
  string(STRIP "${bad}" bad)
  message(FATAL_ERROR "${IN}: a row without exactly ${ncols} cells: ${bad}")
endif()
get_filename_component(src "${IN}" NAME)
file(WRITE "${OUT}.tmp"
     "/* Generated from ${src} by nm_table.cmake: edit the table. */\n"
     "#include \"${HEADER}\"\n\n"
     "const ${TYPE} ${NAME}[] = {\n${t}    {0},\n};\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
