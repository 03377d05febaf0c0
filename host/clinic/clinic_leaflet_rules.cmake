# The leaflet's rules table (clinic_leaflet_rules.tsv) as C: one {"therapy", "phases",
# "section", "en", "nl"} initializer a line, in clinic_leaflet_rules[] (clinic_leaflet.h).
# cmake -DIN=clinic_leaflet_rules.tsv -DOUT=clinic_leaflet_rules.c -P clinic_leaflet_rules.cmake
file(READ "${IN}" t)
string(REGEX REPLACE "#[^\n]*\n" "" t "${t}")
string(REPLACE "\\" "\\\\" t "${t}")
string(REPLACE "\"" "\\\"" t "${t}")
string(REPLACE "\t" "\", \"" t "${t}")
string(REGEX REPLACE "([^\n]+)\n" "    {\"\\1\"},\n" t "${t}")
file(WRITE "${OUT}.tmp"
     "/* Generated from clinic_leaflet_rules.tsv by clinic_leaflet_rules.cmake: edit the table. */\n"
     "#include \"clinic_leaflet.h\"\n\n"
     "const clinic_leaflet_rule clinic_leaflet_rules[] = {\n${t}    {0, 0, 0, 0, 0},\n};\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
